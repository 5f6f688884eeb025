package dev.simsnap.model.step;

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

    /** Input gathered before it is hashed: one {@code update} per few changes instead of six small ones each. */
    private static final int PENDING_BYTES = 8192;

    private final MessageDigest sha = sha256();
    private final byte[] pending = new byte[PENDING_BYTES];
    private int count;
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
        one(1);
        int length = item == null ? -1 : item.length;
        one(length >>> 24);
        one(length >>> 16);
        one(length >>> 8);
        one(length);
        if (item != null) {
            bytes(item);
        }
        return this;
    }

    /** Adds the step's clock and returns the digest (32 bytes); the instance is then spent. */
    public byte[] finish(Map<String, Long> clock) {
        clockAdded = true;
        one(2);
        for (Map.Entry<String, Long> e : new TreeMap<>(clock).entrySet()) {
            text(e.getKey());
            long v = e.getValue();
            for (int shift = 56; shift >= 0; shift -= 8) {
                one((int) (v >>> shift));
            }
        }
        drain();
        return sha.digest();
    }

    /** UTF-8 (as {@link String#getBytes} gives it) and a 0x00. */
    private void text(String s) {
        int n = s.length();
        if (n < PENDING_BYTES - count) {
            int p = count;
            int i = 0;
            while (i < n) {
                char c = s.charAt(i);
                if (c >= 0x80) {
                    break;
                }
                pending[p++] = (byte) c;
                i++;
            }
            if (i == n) { // ASCII: written as is
                count = p;
                one(0);
                return;
            }
        }
        bytes(s.getBytes(StandardCharsets.UTF_8)); // overwrites any ASCII prefix copied above (count unchanged)
        one(0);
    }

    private void one(int b) {
        if (count == PENDING_BYTES) {
            drain();
        }
        pending[count++] = (byte) b;
    }

    private void bytes(byte[] b) {
        if (b.length <= PENDING_BYTES - count) {
            System.arraycopy(b, 0, pending, count, b.length);
            count += b.length;
        } else {
            drain();
            sha.update(b);
        }
    }

    private void drain() {
        sha.update(pending, 0, count);
        count = 0;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
