package dev.simsnap.schema.contract;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Names what is wrong with the raw (still percent-encoded) path of an HTTP request to the gateway or the REST API,
 * so that a request the HTTP layer would refuse with a bare "Bad Request" — an encoded NUL ({@code %00}), an encoded
 * separator ({@code %2F}, {@code %5C}) or a {@code ..} segment — gets a message naming the segment and the problem,
 * e.g. {@code invalid run id 'a%2Fb': it contains an encoded '/' (%2F); use 1-128 characters ...}.
 *
 * <p>Segments are named by position: the one after {@code /runs/} (or {@code /internal/generations/}) is the run id,
 * the one after {@code /runs/<run>/workers/} the worker id, the one after {@code /runs/<run>/items/} or
 * {@code /runs/<run>/schemas/} the collection; these must follow {@link RunIds} once decoded. Any other segment is
 * only checked for encoded NUL bytes, encoded separators and {@code ..}.
 */
public final class RequestPaths {

    private RequestPaths() {
    }

    /**
     * The first problem of {@code rawPath} (query, if any, ignored), or empty when every segment is acceptable.
     *
     * @param rawPath the request path as sent, before percent-decoding
     */
    public static Optional<String> problem(String rawPath) {
        if (rawPath == null) {
            return Optional.empty();
        }
        int query = rawPath.indexOf('?');
        String path = query < 0 ? rawPath : rawPath.substring(0, query);
        String[] segments = (path.startsWith("/") ? path.substring(1) : path).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String raw = segments[i];
            String name = name(segments, i);
            String what = "invalid " + (name == null ? "path segment" : name) + " '" + printable(raw) + "': it ";
            String rule = name == null ? "" : "; use 1-128 characters of A-Z a-z 0-9 . _ - and do not start with '.'";
            String lower = raw.toLowerCase(Locale.ROOT);
            String encoded = lower.contains("%00") ? "an encoded NUL byte (%00)"
                    : lower.contains("%2f") ? "an encoded '/' (%2F)"
                    : lower.contains("%5c") ? "an encoded '\\' (%5C)" : null;
            if (encoded != null) {
                return Optional.of(what + "contains " + encoded + rule);
            }
            String decoded = decode(raw);
            if (decoded.equals("..") || decoded.equals(".")) {
                return Optional.of(what + "is a '" + decoded + "' segment, which paths may not use" + rule);
            }
            if (name != null && !RunIds.isValid(decoded) && !(decoded.isEmpty() && i == segments.length - 1)) {
                return Optional.of(what + RunIds.problem(decoded) + rule);
            }
        }
        return Optional.empty();
    }

    /** The name of the id at {@code segments[i]}, or null when that segment is not an id. */
    private static String name(String[] segments, int i) {
        if (segments.length > 0 && segments[0].equals("runs")) {
            if (i == 1) {
                return "run id";
            }
            if (i == 3 && segments[2].equals("workers")) {
                return "worker id";
            }
            if (i == 3 && (segments[2].equals("items") || segments[2].equals("schemas"))) {
                return "collection";
            }
        }
        if (i == 2 && segments[0].equals("internal") && segments[1].equals("generations")) {
            return "run id";
        }
        return null;
    }

    /** Percent-decodes as UTF-8; a malformed escape stays as it is (the id rule then refuses its '%'). */
    private static String decode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); ) {
            int c = raw.codePointAt(i);
            if (c == '%' && i + 2 < raw.length() && Character.digit(raw.charAt(i + 1), 16) >= 0
                    && Character.digit(raw.charAt(i + 2), 16) >= 0) {
                out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                out.writeBytes(new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String printable(String s) {
        String shown = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
