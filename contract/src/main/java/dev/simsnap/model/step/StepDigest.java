package dev.simsnap.model.step;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The content digest of one worker's step: SHA-256 over what the step changes, not over how it was sent, so a step
 * re-sent after a restart (new sequence numbers, new transaction) has the same digest exactly when it has the same
 * content. Carried in {@code IterationCommitted.content_digest}.
 *
 * <p>Input, in order: for each change of the step in sequence order, the UTF-8 of collection, entity id, op and
 * each patch field, each followed by one {@code 0x00} byte, then {@code 0x01}, the item's length as a 4-byte
 * big-endian int ({@code -1} when there is none) and the item bytes (Confluent-framed, schema id included); then
 * {@code 0x02} and, for each clock field in name order, its UTF-8 name, {@code 0x00} and its value as an 8-byte
 * big-endian long.
 */
public final class StepDigest {

    private final MessageDigest sha = sha256();
    private boolean clockAdded;

    /** Adds one change, in sequence order. */
    public StepDigest change(String collection, String entityId, String op, List<String> fields, byte[] item) {
        if (clockAdded) {
            throw new IllegalStateException("changes come before the clock");
        }
        text(collection);
        text(entityId);
        text(op);
        for (String f : fields) {
            text(f);
        }
        sha.update((byte) 1);
        sha.update(ByteBuffer.allocate(4).putInt(item == null ? -1 : item.length).array());
        if (item != null) {
            sha.update(item);
        }
        return this;
    }

    /** Adds the step's clock and returns the digest (32 bytes); the instance is then spent. */
    public byte[] finish(Map<String, Long> clock) {
        clockAdded = true;
        sha.update((byte) 2);
        for (Map.Entry<String, Long> e : new TreeMap<>(clock).entrySet()) {
            text(e.getKey());
            sha.update(ByteBuffer.allocate(8).putLong(e.getValue()).array());
        }
        return sha.digest();
    }

    private void text(String s) {
        sha.update(s.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
