package dev.simsnap.engine.entity;

import dev.simsnap.serde.WireFormat;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One change to one entity, as a {@code StateDelta} v2 carries it: the op, its paths ({@code patch_fields}), the id
 * of the item schema version the worker wrote with, and the Avro body of the item without its framing (see
 * {@code dev.simsnap.model.item.ItemCodec} for the bodies). Immutable: the body is copied in and out.
 */
public final class Change {

    /** The delta ops. */
    public enum Op { UPSERT, PATCH, DELETE, APPEND }

    private final Op op;
    private final List<String> paths;
    private final int writerSchemaId;
    private final byte[] body;

    /**
     * @param op             the op
     * @param paths          PATCH: the dotted paths; APPEND: exactly one path; UPSERT/DELETE: empty
     * @param writerSchemaId the registry id of the writer schema (ignored for DELETE)
     * @param body           the item body without framing; null for DELETE
     */
    public Change(Op op, List<String> paths, int writerSchemaId, byte[] body) {
        this(op, paths, writerSchemaId, body == null ? null : body.clone(), true);
    }

    private Change(Op op, List<String> paths, int writerSchemaId, byte[] body, boolean owned) {
        this.op = Objects.requireNonNull(op, "op");
        this.paths = List.copyOf(paths == null ? List.of() : paths);
        this.writerSchemaId = writerSchemaId;
        this.body = body;
    }

    /** A change from a delta's framed {@code item} ({@code 0x00}, 4-byte schema id, body); null item for DELETE. */
    public static Change ofFramed(Op op, List<String> paths, byte[] framedItem) {
        if (framedItem == null) {
            return new Change(op, paths, 0, null, true);
        }
        WireFormat.Framed f = WireFormat.unframe(framedItem);
        return new Change(op, paths, f.schemaId(),
                Arrays.copyOfRange(framedItem, f.bodyOffset(), f.bodyOffset() + f.bodyLength()), true);
    }

    public static Change upsert(int writerSchemaId, byte[] body) {
        return new Change(Op.UPSERT, List.of(), writerSchemaId, body);
    }

    public static Change patch(int writerSchemaId, List<String> paths, byte[] body) {
        return new Change(Op.PATCH, paths, writerSchemaId, body);
    }

    public static Change append(int writerSchemaId, String path, byte[] body) {
        return new Change(Op.APPEND, List.of(path), writerSchemaId, body);
    }

    public static Change delete() {
        return new Change(Op.DELETE, List.of(), 0, null, true);
    }

    public Op op() {
        return op;
    }

    public List<String> paths() {
        return paths;
    }

    public int writerSchemaId() {
        return writerSchemaId;
    }

    /** A copy of the body, or null. */
    public byte[] body() {
        return body == null ? null : body.clone();
    }

    /** The body itself, not copied: only for readers in this package that never write to it. */
    byte[] bodyArray() {
        return body;
    }

    @Override
    public String toString() {
        return "Change{" + op + " " + paths + " schema " + writerSchemaId + ", "
                + (body == null ? "no body" : body.length + " bytes") + "}";
    }
}
