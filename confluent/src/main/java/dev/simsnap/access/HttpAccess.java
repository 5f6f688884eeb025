package dev.simsnap.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Who may call simsnap's HTTP servers (snapshot service, ingest gateway, schema registry): the decision only; each
 * server turns a refusal into its own JSON error body.
 *
 * <p>Credentials, each optional: a write token and write user info ({@code user:password}), a read token and read
 * user info. A token is presented as {@code Authorization: Bearer <token>}, user info as
 * {@code Authorization: Basic base64(user:password)}. Rules:
 * <ul>
 *   <li>nothing configured: every request is allowed (the embedded default);</li>
 *   <li>a <b>write</b> needs a write credential; when only read credentials are configured, a read one;</li>
 *   <li>a <b>read</b> is open unless read credentials are configured; then it needs a read or a write one;</li>
 *   <li>no or unknown credentials where some are needed: 401; a read credential for a write: 403.</li>
 * </ul>
 * Presented credentials are compared with every configured one in constant time (SHA-256 digests compared with
 * {@link MessageDigest#isEqual}, no early exit), so timing tells neither which one nor how much matched.
 *
 * <p>Configuration keys (in a {@link dev.simsnap.connection.ClientConfig}; env names in brackets):
 * {@value #WRITE_TOKEN} ({@code SIMSNAP_WRITE_TOKEN}), {@value #WRITE_USER_INFO} ({@code SIMSNAP_WRITE_USER_INFO}),
 * {@value #READ_TOKEN} ({@code SIMSNAP_READ_TOKEN}), {@value #READ_USER_INFO} ({@code SIMSNAP_READ_USER_INFO}).
 * Immutable and thread-safe.
 */
public final class HttpAccess {

    /** The bearer token allowing writes (and reads). */
    public static final String WRITE_TOKEN = "simsnap.http.write.token";
    /** {@code user:password} allowing writes (and reads) with basic auth. */
    public static final String WRITE_USER_INFO = "simsnap.http.write.user.info";
    /** The bearer token allowing reads. */
    public static final String READ_TOKEN = "simsnap.http.read.token";
    /** {@code user:password} allowing reads with basic auth. */
    public static final String READ_USER_INFO = "simsnap.http.read.user.info";

    /** What a request needs. */
    public enum Need { READ, WRITE }

    /**
     * The answer for one request.
     *
     * @param status 0 when allowed, else 401 or 403
     * @param error  why not (one line, never echoing the credentials), or null when allowed
     */
    public record Decision(int status, String error) {
        static final Decision ALLOWED = new Decision(0, null);

        /** True when the request may proceed. */
        public boolean allowed() {
            return status == 0;
        }
    }

    /** The {@code WWW-Authenticate} value to send with a 401. */
    public static final String CHALLENGE = "Bearer realm=\"simsnap\"";

    private static final HttpAccess OPEN = new HttpAccess(List.of(), List.of(), null);

    private final List<byte[]> write;
    private final List<byte[]> read;
    private final String readAuthorization;

    private HttpAccess(List<byte[]> write, List<byte[]> read, String readAuthorization) {
        this.write = List.copyOf(write);
        this.read = List.copyOf(read);
        this.readAuthorization = readAuthorization;
    }

    /** Everything allowed. */
    public static HttpAccess open() {
        return OPEN;
    }

    /**
     * Credentials from settings ({@link #WRITE_TOKEN}, {@link #WRITE_USER_INFO}, {@link #READ_TOKEN},
     * {@link #READ_USER_INFO}); blank values count as unset.
     *
     * @throws IllegalArgumentException when a user info has no {@code ':'}
     */
    public static HttpAccess fromConfig(Map<String, String> settings) {
        List<byte[]> write = new ArrayList<>();
        List<byte[]> read = new ArrayList<>();
        addToken(write, settings.get(WRITE_TOKEN));
        addUserInfo(write, WRITE_USER_INFO, settings.get(WRITE_USER_INFO));
        addToken(read, settings.get(READ_TOKEN));
        addUserInfo(read, READ_USER_INFO, settings.get(READ_USER_INFO));
        String self = header(settings.get(READ_TOKEN), settings.get(READ_USER_INFO));
        if (self == null) {
            self = header(settings.get(WRITE_TOKEN), settings.get(WRITE_USER_INFO));
        }
        return write.isEmpty() && read.isEmpty() ? OPEN : new HttpAccess(write, read, self);
    }

    /** A write token and a read token (either may be null). */
    public static HttpAccess tokens(String writeToken, String readToken) {
        List<byte[]> write = new ArrayList<>();
        List<byte[]> read = new ArrayList<>();
        addToken(write, writeToken);
        addToken(read, readToken);
        String self = header(readToken, null);
        return write.isEmpty() && read.isEmpty() ? OPEN
                : new HttpAccess(write, read, self != null ? self : header(writeToken, null));
    }

    /**
     * An {@code Authorization} value this server itself accepts for reads (its read credential, else its write
     * credential), for calls between instances of one service; empty when nothing is configured.
     */
    public java.util.Optional<String> readAuthorization() {
        return java.util.Optional.ofNullable(readAuthorization);
    }

    /** True when some credential is configured (otherwise {@link #check} always allows). */
    public boolean enabled() {
        return !write.isEmpty() || !read.isEmpty();
    }

    /**
     * Decides one request.
     *
     * @param authorization the request's {@code Authorization} header, or null
     * @param need          what the request does
     * @param what          the request for messages, e.g. {@code POST /runs/r1/snapshots}
     */
    public Decision check(String authorization, Need need, String what) {
        if (!enabled()) {
            return Decision.ALLOWED;
        }
        byte[] presented = presented(authorization);
        boolean isWrite = presented != null && matchesAny(write, presented);
        boolean isRead = presented != null && matchesAny(read, presented);
        if (need == Need.READ) {
            if (read.isEmpty() || isRead || isWrite) {
                return Decision.ALLOWED;
            }
            return unauthenticated(authorization, what, "a read or write credential");
        }
        if (write.isEmpty() ? isRead : isWrite) {
            return Decision.ALLOWED;
        }
        if (isRead) {
            return new Decision(403, "forbidden: " + what + " is a write and the credentials presented only allow"
                    + " reads; use the write token or write user");
        }
        return unauthenticated(authorization, what, write.isEmpty() ? "a read credential" : "a write credential");
    }

    /** GET, HEAD and OPTIONS read; every other method writes. */
    public static Need needOf(String method) {
        String m = method.toUpperCase(Locale.ROOT);
        return m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS") ? Need.READ : Need.WRITE;
    }

    private static Decision unauthenticated(String authorization, String what, String needed) {
        if (authorization == null || authorization.isBlank()) {
            return new Decision(401, "authentication required: " + what + " needs " + needed
                    + " (Authorization: Bearer <token>, or Basic user:password)");
        }
        return new Decision(401, "invalid credentials: the Authorization header of " + what
                + " matches no configured token or user");
    }

    /** The digest of what the header presents ({@code B:} + token or {@code U:} + user info), or null. */
    private static byte[] presented(String authorization) {
        if (authorization == null) {
            return null;
        }
        String h = authorization.trim();
        int space = h.indexOf(' ');
        if (space < 0) {
            return null;
        }
        String scheme = h.substring(0, space).toLowerCase(Locale.ROOT);
        String value = h.substring(space + 1).trim();
        if (scheme.equals("bearer") && !value.isEmpty()) {
            return digest("B:" + value);
        }
        if (scheme.equals("basic")) {
            try {
                return digest("U:" + new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    private static String header(String token, String userInfo) {
        if (token != null && !token.isBlank()) {
            return "Bearer " + token.trim();
        }
        if (userInfo != null && !userInfo.isBlank()) {
            return "Basic " + Base64.getEncoder().encodeToString(userInfo.trim().getBytes(StandardCharsets.UTF_8));
        }
        return null;
    }

    private static boolean matchesAny(List<byte[]> configured, byte[] presented) {
        boolean match = false;
        for (byte[] c : configured) {
            match |= MessageDigest.isEqual(c, presented); // no early exit: same work whichever matches
        }
        return match;
    }

    private static void addToken(List<byte[]> into, String token) {
        if (token != null && !token.isBlank()) {
            into.add(digest("B:" + token.trim()));
        }
    }

    private static void addUserInfo(List<byte[]> into, String key, String userInfo) {
        if (userInfo != null && !userInfo.isBlank()) {
            if (userInfo.indexOf(':') < 1) {
                throw new IllegalArgumentException("config '" + key + "' must be user:password");
            }
            into.add(digest("U:" + userInfo.trim()));
        }
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
