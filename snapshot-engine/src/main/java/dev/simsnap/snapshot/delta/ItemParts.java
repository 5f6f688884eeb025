package dev.simsnap.snapshot.delta;

import dev.simsnap.schema.delta.StateDelta;
import dev.simsnap.snapshot.deadletter.DeadLetterReasons;
import dev.simsnap.snapshot.deadletter.Rejection;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Joins a change sent as several StateDeltas ({@code item_part} index 0..count-1, consecutive records of one worker
 * in one step, so consecutive in apply order) back into one change. Parts that do not complete a change — a gap, a
 * part of another change in between, the step ending early — are rejected together with a reason.
 */
final class ItemParts {

    /** Receives each part of a change that cannot be completed, with the rejection. */
    private final BiConsumer<byte[], Rejection> reject;
    private final List<byte[]> buffered = new ArrayList<>();
    private final ByteArrayOutputStream item = new ByteArrayOutputStream();
    private StateDelta first;
    private int next;

    /** @param reject gets the buffered bytes of every part of a change that cannot be completed */
    ItemParts(BiConsumer<byte[], Rejection> reject) {
        this.reject = reject;
    }

    /**
     * Takes the next delta in apply order; returns the delta to apply (it unchanged when it is not a part, the
     * joined change after its last part), or null while a change is incomplete.
     */
    StateDelta add(byte[] bufferedBytes, StateDelta d) {
        var part = d.getItemPart();
        if (part == null) {
            abandon("the next record of worker " + d.getWorkerId() + " is not its next part");
            return d;
        }
        if (part.getIndex() == 0) {
            abandon("a new change began before its last part");
            first = d;
            next = 0;
        } else if (first == null || part.getIndex() != next || part.getCount() != first.getItemPart().getCount()
                || !d.getWorkerId().equals(first.getWorkerId()) || d.getIteration() != first.getIteration()
                || !d.getEntityId().equals(first.getEntityId())
                || !java.util.Objects.equals(d.getCollection(), first.getCollection())) {
            abandon("part " + part.getIndex() + " of " + part.getCount() + " does not follow part " + (next - 1));
            reject.accept(bufferedBytes, new Rejection(DeadLetterReasons.INVALID_DELTA, "worker " + d.getWorkerId()
                    + " sequence " + d.getSequence() + ": part " + part.getIndex() + " of " + part.getCount()
                    + " of a change whose earlier parts are missing"));
            return null;
        }
        ByteBuffer slice = d.getItem().duplicate();
        byte[] bytes = new byte[slice.remaining()];
        slice.get(bytes);
        item.write(bytes, 0, bytes.length);
        buffered.add(bufferedBytes);
        next++;
        if (next < part.getCount()) {
            return null;
        }
        StateDelta joined = StateDelta.newBuilder(first).setSequence(d.getSequence())
                .setItem(ByteBuffer.wrap(item.toByteArray())).setItemPart(null).build();
        clear();
        return joined;
    }

    /** Rejects the parts of a change still incomplete (call when the apply step ends). */
    void finish() {
        abandon("the step ended before its last part");
    }

    private void abandon(String why) {
        if (first == null) {
            return;
        }
        Rejection r = new Rejection(DeadLetterReasons.INVALID_DELTA, "worker " + first.getWorkerId() + " sequence "
                + first.getSequence() + ": a change sent in " + first.getItemPart().getCount() + " parts got only "
                + next + " (" + why + ")");
        buffered.forEach(b -> reject.accept(b, r));
        clear();
    }

    private void clear() {
        first = null;
        next = 0;
        buffered.clear();
        item.reset();
    }
}
