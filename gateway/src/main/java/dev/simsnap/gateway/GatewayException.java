package dev.simsnap.gateway;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A request the gateway refuses: HTTP status, message, and the offending field (a JSON path) when known. */
public final class GatewayException extends RuntimeException {

    private static final Pattern FIELD = Pattern.compile("field '([^']+)'");

    private final int status;
    private final String field;
    private final com.fasterxml.jackson.databind.node.ObjectNode extra;

    GatewayException(int status, String field, String message) {
        this(status, field, message, null);
    }

    GatewayException(int status, String field, String message, com.fasterxml.jackson.databind.node.ObjectNode extra) {
        super(message);
        this.status = status;
        this.field = field;
        this.extra = extra;
    }

    /** Further members of the error body (e.g. "subject", "existing"), or null. */
    public com.fasterxml.jackson.databind.node.ObjectNode extra() {
        return extra;
    }

    /** 422 for a body that does not match the Avro contract; the field is read from "field 'x'" in the message. */
    static GatewayException invalid(String prefix, IllegalArgumentException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Matcher m = FIELD.matcher(message);
        String field = m.find() ? m.group(1) : null;
        if (prefix != null) {
            field = field == null ? prefix : prefix + "." + field;
            message = prefix + ": " + message;
        }
        return new GatewayException(422, field, message);
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The JSON path of the offending field, or null. */
    public String field() {
        return field;
    }
}
