package dev.simsnap.snapshot.delta;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.simsnap.snapshot.json.CanonicalJson;

/** A DOCUMENT entity: a JSON object with its keys sorted recursively; the tree is never modified. */
public final class DocumentEntity implements EntityState {

    private final ObjectNode node;
    private String json;

    DocumentEntity(ObjectNode node) {
        this.node = node;
    }

    /** The tree (callers must not modify it). */
    ObjectNode node() {
        return node;
    }

    @Override
    public String json() {
        if (json == null) {
            json = CanonicalJson.compact(node);
        }
        return json;
    }
}
