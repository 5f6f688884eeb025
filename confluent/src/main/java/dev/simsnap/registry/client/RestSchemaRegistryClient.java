package dev.simsnap.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaRegistry} over the Confluent Schema Registry REST API (JDK HttpClient, HTTP/1.1).
 *
 * <p>Requests send {@code Content-Type: application/vnd.schemaregistry.v1+json} and accept that type (then
 * {@code application/vnd.schemaregistry+json}, then {@code application/json}). Error answers
 * {@code {"error_code": N, "message": "..."}} become {@link RegistryException#of}; an error body that is not JSON
 * gets error_code 50005.
 *
 * <p>Resilience: with several base URLs, a connection error (IOException) fails over to the next URL at once,
 * and the client sticks to the URL that last answered. When every URL failed, or the answer was 408, 429 or 5xx,
 * it sleeps {@code retries.wait.ms * 2^(retry-1)} capped at {@code retries.max.wait.ms} and tries again, at most
 * {@code max.retries} times; then throws the last error ({@link RegistryException.Unavailable} for IO errors).
 * Registering is safe to retry: the same schema always gets the same id.
 *
 * <p>Caches (LRU, {@code max.schemas.per.subject} entries each, never expiring because the answers are immutable):
 * id → schema, (subject, schema) → id, (subject, schema) → version. Deleting a subject or version drops that
 * subject's entries.
 */
public final class RestSchemaRegistryClient implements SchemaRegistry {

    /** The registry's media type, sent as Content-Type. */
    public static final String MEDIA_TYPE = "application/vnd.schemaregistry.v1+json";
    /** The Accept header: the v1 type first, then the generic ones (the registry's own preference order). */
    public static final String ACCEPT =
            MEDIA_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    private static final Logger LOG = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> baseUrls;
    private final HttpClient http;
    private final Map<String, String> authHeaders;
    private final int maxRetries;
    private final long retryWaitMs;
    private final long retryMaxWaitMs;
    private final Duration requestTimeout;
    private final AtomicInteger currentUrl = new AtomicInteger();

    private final BoundedCache<Integer, Schema> schemaById;
    private final BoundedCache<SubjectSchema, Integer> idBySubjectSchema;
    private final BoundedCache<SubjectSchema, SchemaVersion> versionBySubjectSchema;

    /** Cache key: the subject and the schema's canonical text (Avro's {@code Schema.toString()}). */
    private record SubjectSchema(String subject, String schema) {
    }

    private RestSchemaRegistryClient(Builder b) {
        if (b.urls.isEmpty()) {
            throw new ConfigException(RegistryClientConfig.URL, null, "at least one registry URL is required");
        }
        String urlUser = null;
        List<String> urls = new ArrayList<>();
        for (String raw : b.urls) {
            ParsedUrl parsed = ParsedUrl.parse(raw);
            urls.add(parsed.base);
            if (parsed.userInfo != null) {
                urlUser = parsed.userInfo;
            }
        }
        this.baseUrls = List.copyOf(urls);
        Map<String, String> headers = new LinkedHashMap<>();
        String userInfo = b.userInfo != null ? b.userInfo : (b.useUrlCredentials ? urlUser : null);
        if (userInfo != null && b.bearerToken != null) {
            throw new ConfigException("Both basic auth and bearer auth are configured for the schema registry; pick one");
        }
        if (userInfo != null) {
            headers.put("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        }
        if (b.bearerToken != null) {
            headers.put("Authorization", "Bearer " + b.bearerToken);
            if (b.logicalCluster != null) {
                headers.put("target-sr-cluster", b.logicalCluster);
            }
            if (b.identityPoolId != null) {
                headers.put("Confluent-Identity-Pool-Id", b.identityPoolId);
            }
        }
        this.authHeaders = Map.copyOf(headers);
        this.maxRetries = b.maxRetries;
        this.retryWaitMs = b.retryWaitMs;
        this.retryMaxWaitMs = b.retryMaxWaitMs;
        this.requestTimeout = b.requestTimeout;
        // HTTP/1.1: an h2c upgrade attempt buys nothing here and some servers mishandle it on POSTs.
        HttpClient.Builder http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (b.sslContext != null) {
            http.sslContext(b.sslContext);
        }
        this.http = http.build();
        this.schemaById = new BoundedCache<>(b.cacheCapacity);
        this.idBySubjectSchema = new BoundedCache<>(b.cacheCapacity);
        this.versionBySubjectSchema = new BoundedCache<>(b.cacheCapacity);
    }

    /** A builder; see {@link #fromConfig} for the config-map way. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a client from Confluent-named configs ({@link RegistryClientConfig}); only {@code schema.registry.url}
     * is required.
     *
     * @throws ConfigException on a missing URL, an unsupported credentials source or a malformed value
     */
    public static RestSchemaRegistryClient fromConfig(Map<String, ?> config) {
        String urls = RegistryClientConfig.string(config, RegistryClientConfig.URL);
        if (urls == null) {
            throw new ConfigException(RegistryClientConfig.URL, null, "is required");
        }
        Builder b = builder().urls(urls);
        String basicSource = RegistryClientConfig.string(config, RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE);
        String source = basicSource == null ? "URL" : basicSource.toUpperCase(Locale.ROOT);
        switch (source) {
            case "URL":
                break;
            case "USER_INFO": {
                String info = RegistryClientConfig.string(config, RegistryClientConfig.BASIC_AUTH_USER_INFO);
                if (info == null || !info.contains(":")) {
                    throw new ConfigException(RegistryClientConfig.BASIC_AUTH_USER_INFO, info == null ? null : "<hidden>",
                            "must be user:password when basic.auth.credentials.source=USER_INFO");
                }
                b.userInfo = info;
                break;
            }
            default:
                throw new ConfigException(RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE, basicSource,
                        "supported: URL, USER_INFO");
        }
        String bearerSource = RegistryClientConfig.string(config, RegistryClientConfig.BEARER_AUTH_CREDENTIALS_SOURCE);
        if (bearerSource != null) {
            if (!"STATIC_TOKEN".equalsIgnoreCase(bearerSource)) {
                throw new ConfigException(RegistryClientConfig.BEARER_AUTH_CREDENTIALS_SOURCE, bearerSource,
                        "supported: STATIC_TOKEN");
            }
            String token = RegistryClientConfig.string(config, RegistryClientConfig.BEARER_AUTH_TOKEN);
            if (token == null) {
                throw new ConfigException(RegistryClientConfig.BEARER_AUTH_TOKEN, null,
                        "is required when bearer.auth.credentials.source=STATIC_TOKEN");
            }
            b.bearerToken(token);
            b.logicalCluster = RegistryClientConfig.string(config, RegistryClientConfig.BEARER_AUTH_LOGICAL_CLUSTER);
            b.identityPoolId = RegistryClientConfig.string(config, RegistryClientConfig.BEARER_AUTH_IDENTITY_POOL_ID);
        }
        b.maxRetries(RegistryClientConfig.integer(config, RegistryClientConfig.MAX_RETRIES, 3));
        b.retryWait(Duration.ofMillis(RegistryClientConfig.integer(config, RegistryClientConfig.RETRIES_WAIT_MS, 1000)),
                Duration.ofMillis(RegistryClientConfig.integer(config, RegistryClientConfig.RETRIES_MAX_WAIT_MS, 2000)));
        b.timeouts(Duration.ofMillis(RegistryClientConfig.integer(config, RegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS, 60_000)),
                Duration.ofMillis(RegistryClientConfig.integer(config, RegistryClientConfig.HTTP_READ_TIMEOUT_MS, 60_000)));
        b.cacheCapacity(RegistryClientConfig.integer(config, RegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT, 1000));
        b.sslContext = RegistryTls.fromConfig(config);
        return b.build();
    }

    /** The base URLs in failover order, without credentials. */
    public List<String> baseUrls() {
        return baseUrls;
    }

    // ---------------------------------------------------------------- serde operations

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema.toString());
        Integer cached = idBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("POST", "/subjects/" + seg(subject) + "/versions", schemaBody(key.schema));
        int id = requiredInt(answer, "id");
        idBySubjectSchema.put(key, id);
        schemaById.put(id, schema);
        return id;
    }

    @Override
    public SchemaVersion lookup(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema.toString());
        SchemaVersion cached = versionBySubjectSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("POST", "/subjects/" + seg(subject), schemaBody(key.schema));
        SchemaVersion found = toVersion(answer, subject, schema);
        versionBySubjectSchema.put(key, found);
        idBySubjectSchema.put(key, found.id());
        schemaById.put(found.id(), found.schema());
        return found;
    }

    @Override
    public Schema getById(int id) {
        Schema cached = schemaById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("GET", "/schemas/ids/" + id, null);
        Schema schema = parseSchema(answer, "schema id " + id);
        schemaById.put(id, schema);
        return schema;
    }

    // ---------------------------------------------------------------- admin operations

    @Override
    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        call("GET", "/subjects", null).forEach(n -> out.add(n.asText()));
        return out;
    }

    @Override
    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        call("GET", "/subjects/" + seg(subject) + "/versions", null).forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Override
    public SchemaVersion version(String subject, String versionOrLatest) {
        JsonNode answer = call("GET", "/subjects/" + seg(subject) + "/versions/" + seg(versionOrLatest), null);
        return toVersion(answer, subject, null);
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, String versionOrLatest, Schema schema) {
        JsonNode answer = call("POST", "/compatibility/subjects/" + seg(subject) + "/versions/" + seg(versionOrLatest)
                + "?verbose=true", schemaBody(schema.toString()));
        JsonNode flag = answer == null ? null : answer.get("is_compatible");
        if (flag == null || !flag.isBoolean()) {
            throw badAnswer("is_compatible", answer);
        }
        List<String> messages = new ArrayList<>();
        JsonNode list = answer.get("messages");
        if (list != null) {
            list.forEach(n -> messages.add(n.asText()));
        }
        return new CompatibilityResult(flag.asBoolean(), messages);
    }

    @Override
    public String getCompatibility(String subjectOrNull) {
        JsonNode answer = call("GET", subjectOrNull == null ? "/config"
                : "/config/" + seg(subjectOrNull) + "?defaultToGlobal=true", null);
        // GET answers "compatibilityLevel"; accept "compatibility" too, as PUT answers and some clones send it.
        return firstText(answer, "compatibilityLevel", "compatibility");
    }

    @Override
    public void setCompatibility(String subjectOrNull, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        call("PUT", subjectOrNull == null ? "/config" : "/config/" + seg(subjectOrNull), body);
    }

    @Override
    public void deleteCompatibility(String subject) {
        call("DELETE", subject == null ? "/config" : "/config/" + seg(subject), null);
    }

    @Override
    public String getMode(String subjectOrNull) {
        JsonNode answer = call("GET", subjectOrNull == null ? "/mode"
                : "/mode/" + seg(subjectOrNull) + "?defaultToGlobal=true", null);
        return firstText(answer, "mode");
    }

    @Override
    public void setMode(String subjectOrNull, String mode) {
        ObjectNode body = JSON.createObjectNode().put("mode", mode);
        call("PUT", subjectOrNull == null ? "/mode" : "/mode/" + seg(subjectOrNull), body);
    }

    @Override
    public List<Integer> deleteSubject(String subject, boolean permanent) {
        JsonNode answer = call("DELETE", "/subjects/" + seg(subject) + (permanent ? "?permanent=true" : ""), null);
        forget(subject);
        List<Integer> out = new ArrayList<>();
        answer.forEach(n -> out.add(n.asInt()));
        return out;
    }

    @Override
    public int deleteVersion(String subject, String versionOrLatest, boolean permanent) {
        JsonNode answer = call("DELETE", "/subjects/" + seg(subject) + "/versions/" + seg(versionOrLatest)
                + (permanent ? "?permanent=true" : ""), null);
        forget(subject);
        if (answer == null || !answer.canConvertToInt()) {
            throw badAnswer("a version number", answer);
        }
        return answer.asInt();
    }

    private void forget(String subject) {
        idBySubjectSchema.removeIf(k -> k.subject.equals(subject));
        versionBySubjectSchema.removeIf(k -> k.subject.equals(subject));
    }

    // ---------------------------------------------------------------- HTTP

    /**
     * One logical call with failover and retries; returns the parsed 2xx body (null when empty).
     *
     * @param pathAndQuery starts with '/', segments already encoded
     */
    JsonNode call(String method, String pathAndQuery, JsonNode body) {
        byte[] payload = null;
        if (body != null) {
            try {
                payload = JSON.writeValueAsBytes(body);
            } catch (IOException e) {
                throw new IllegalStateException("cannot encode request body", e);
            }
        }
        RegistryException last = null;
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            if (attempt > 0) {
                sleepBeforeRetry(attempt, method, pathAndQuery, last);
            }
            int start = currentUrl.get();
            boolean retryable = false;
            for (int i = 0; i < baseUrls.size(); i++) {
                int index = (start + i) % baseUrls.size();
                String url = baseUrls.get(index) + pathAndQuery;
                HttpResponse<byte[]> response;
                try {
                    response = http.send(request(method, url, payload), HttpResponse.BodyHandlers.ofByteArray());
                } catch (IOException e) {
                    // Connection-level failure: fail over to the next URL right away.
                    last = new RegistryException.Unavailable(method + " " + url + " failed: " + e, e);
                    LOG.debug("schema registry {} {} failed, failing over", method, url, e);
                    continue;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RegistryException.Unavailable("interrupted during " + method + " " + url, e);
                }
                currentUrl.set(index);
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return parseBody(response.body(), method, url);
                }
                last = errorFrom(status, response.body(), method, pathAndQuery);
                retryable = (status == 408 || status == 429 || status >= 500) && !clientError(last.errorCode());
                if (!retryable) {
                    throw last;
                }
                break; // a retryable status: back off, then retry this URL
            }
        }
        throw last;
    }

    private HttpRequest request(String method, String url, byte[] payload) {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(new URI(url));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad registry URL " + url, e);
        }
        b.timeout(requestTimeout).header("Accept", ACCEPT);
        authHeaders.forEach(b::header);
        if (payload != null) {
            b.header("Content-Type", MEDIA_TYPE);
            b.method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return b.build();
    }

    private void sleepBeforeRetry(int retry, String method, String path, RegistryException last) {
        long wait = retryWaitMs;
        for (int i = 1; i < retry && wait < retryMaxWaitMs; i++) {
            wait *= 2;
        }
        wait = Math.min(wait, retryMaxWaitMs);
        LOG.debug("schema registry {} {}: retry {} of {} in {} ms after: {}", method, path, retry, maxRetries, wait,
                last == null ? "?" : last.getMessage());
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException.Unavailable("interrupted while retrying " + method + " " + path, e);
        }
    }

    private static JsonNode parseBody(byte[] body, String method, String url) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw RegistryException.of(500, ErrorCode.JSON_PARSE_ERROR.code(),
                    "unparseable answer to " + method + " " + url + ": " + e.getMessage());
        }
    }

    /**
     * True for an error the request itself caused (a 4xx status or a 4xxxx error_code, whatever status carried
     * it): sending it again gets the same answer, so it is not retried.
     */
    static boolean clientError(int errorCode) {
        return (errorCode >= 400 && errorCode < 500) || (errorCode >= 40000 && errorCode < 50000);
    }

    /**
     * The exception for an error answer. Confluent's {@code {"error_code", "message"}} is used as it is; other
     * registries' answers are understood too: an {@code error_code} missing, null or no Confluent code (the HTTP status, as
     * Apicurio's ccompat API sends), the message under {@code message}, {@code detail}, {@code title} or
     * {@code error} (problem+json), or no JSON at all. The Confluent code is then inferred from the status and
     * the request path (a 404 for {@code /schemas/ids/..} is schema-not-found, for a version path
     * version-not-found when the message speaks of a version, else subject-not-found; a 409 incompatible; ...).
     */
    static RegistryException errorFrom(int status, byte[] body, String method, String path) {
        JsonNode node = null;
        try {
            node = body == null || body.length == 0 ? null : JSON.readTree(body);
        } catch (IOException e) {
            // not JSON: a proxy's or servlet container's page
        }
        String message = null;
        if (node != null && node.isObject()) {
            for (String field : List.of("message", "detail", "title", "error", "error_message")) {
                if (node.hasNonNull(field) && node.get(field).isValueNode()) {
                    message = node.get(field).asText();
                    break;
                }
            }
        }
        if (message == null) {
            String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
            message = "HTTP " + status + " without a registry error body: "
                    + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
        }
        JsonNode codeNode = node == null || !node.isObject() ? null : node.get("error_code");
        int code = codeNode != null && codeNode.canConvertToInt() && codeNode.isNumber() ? codeNode.asInt() : -1;
        if (ErrorCode.of(code) == null) {
            ErrorCode inferred = infer(status, method, path, message);
            if (inferred != null) {
                code = inferred.code();
            } else if (code < 0) {
                code = node == null ? ErrorCode.JSON_PARSE_ERROR.code() : status;
            }
        }
        return RegistryException.of(status, code, message);
    }

    private static ErrorCode infer(int status, String method, String pathAndQuery, String message) {
        String path = pathAndQuery.contains("?") ? pathAndQuery.substring(0, pathAndQuery.indexOf('?'))
                : pathAndQuery;
        String text = message.toLowerCase(Locale.ROOT);
        boolean versionPath = path.matches("/subjects/[^/]+/versions/[^/]+.*");
        switch (status) {
            case 404:
                if (path.startsWith("/schemas/ids/")) {
                    return ErrorCode.SCHEMA_NOT_FOUND;
                }
                if (path.startsWith("/config/")) {
                    return ErrorCode.SUBJECT_COMPATIBILITY_NOT_CONFIGURED;
                }
                if (path.startsWith("/mode/")) {
                    return ErrorCode.SUBJECT_MODE_NOT_CONFIGURED;
                }
                if (versionPath && text.contains("version")) {
                    return ErrorCode.VERSION_NOT_FOUND;
                }
                if ("POST".equals(method) && path.matches("/subjects/[^/]+") && text.contains("schema")
                        && !text.contains("subject") && !text.contains("artifact")) {
                    return ErrorCode.SCHEMA_NOT_FOUND;
                }
                return path.startsWith("/subjects/") || path.startsWith("/compatibility/")
                        ? ErrorCode.SUBJECT_NOT_FOUND : null;
            case 409:
                return ErrorCode.INCOMPATIBLE_SCHEMA;
            case 422:
                if (path.startsWith("/config")) {
                    return ErrorCode.INVALID_COMPATIBILITY_LEVEL;
                }
                if (path.startsWith("/mode")) {
                    return ErrorCode.INVALID_MODE;
                }
                return versionPath && !"POST".equals(method) ? ErrorCode.INVALID_VERSION : ErrorCode.INVALID_SCHEMA;
            default:
                return null;
        }
    }

    // ---------------------------------------------------------------- JSON helpers

    private static ObjectNode schemaBody(String schemaText) {
        // Avro is the default schemaType, so it is left out (as Confluent's client does) for old registries.
        return JSON.createObjectNode().put("schema", schemaText);
    }

    private static SchemaVersion toVersion(JsonNode answer, String subject, Schema fallback) {
        int id = requiredInt(answer, "id");
        int version = requiredInt(answer, "version");
        String answeredSubject = answer.hasNonNull("subject") ? answer.get("subject").asText() : subject;
        Schema schema = answer.hasNonNull("schema") ? parseSchema(answer, "subject " + subject) : fallback;
        if (schema == null) {
            throw badAnswer("schema", answer);
        }
        return new SchemaVersion(answeredSubject, version, id, schema);
    }

    private static Schema parseSchema(JsonNode answer, String what) {
        if (answer == null || !answer.hasNonNull("schema")) {
            throw badAnswer("schema", answer);
        }
        String type = answer.hasNonNull("schemaType") ? answer.get("schemaType").asText() : "AVRO";
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw RegistryException.of(ErrorCode.INVALID_SCHEMA,
                    what + " is a " + type + " schema; simsnap's client handles AVRO only");
        }
        try {
            return new Schema.Parser().parse(answer.get("schema").asText());
        } catch (SchemaParseException e) {
            throw RegistryException.of(ErrorCode.INVALID_SCHEMA, what + ": unparseable Avro schema: " + e.getMessage());
        }
    }

    private static int requiredInt(JsonNode answer, String field) {
        JsonNode n = answer == null ? null : answer.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw badAnswer(field, answer);
        }
        return n.asInt();
    }

    private static String firstText(JsonNode answer, String... fields) {
        for (String f : fields) {
            if (answer != null && answer.hasNonNull(f)) {
                return answer.get(f).asText();
            }
        }
        throw badAnswer(String.join(" or ", fields), answer);
    }

    private static RegistryException badAnswer(String expected, JsonNode answer) {
        return RegistryException.of(500, ErrorCode.JSON_PARSE_ERROR.code(),
                "registry answer lacks " + expected + ": " + answer);
    }

    /** Percent-encodes one path segment (spaces as %20, not '+'). */
    private static String seg(String segment) {
        Objects.requireNonNull(segment, "path segment");
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    // ---------------------------------------------------------------- configuration

    /** A base URL split from its credentials (HttpClient ignores user info, so it becomes a header). */
    private record ParsedUrl(String base, String userInfo) {
        static ParsedUrl parse(String raw) {
            String text = raw.trim();
            while (text.endsWith("/")) {
                text = text.substring(0, text.length() - 1);
            }
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw new ConfigException(RegistryClientConfig.URL, raw, "not a URL: " + e.getMessage());
            }
            if (uri.getScheme() == null || uri.getHost() == null
                    || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))) {
                throw new ConfigException(RegistryClientConfig.URL, raw, "expected http(s)://host[:port][/path]");
            }
            String userInfo = uri.getRawUserInfo() == null ? null
                    : URLDecoder.decode(uri.getRawUserInfo(), StandardCharsets.UTF_8);
            String base = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                    + (uri.getRawPath() == null ? "" : uri.getRawPath());
            return new ParsedUrl(base, userInfo);
        }
    }

    /** Builds a {@link RestSchemaRegistryClient}; defaults match {@link #fromConfig}'s. */
    public static final class Builder {
        private final List<String> urls = new ArrayList<>();
        private String userInfo;
        private boolean useUrlCredentials = true;
        private String bearerToken;
        private String logicalCluster;
        private String identityPoolId;
        private int maxRetries = 3;
        private long retryWaitMs = 1000;
        private long retryMaxWaitMs = 2000;
        private Duration connectTimeout = Duration.ofSeconds(60);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private int cacheCapacity = 1000;
        private javax.net.ssl.SSLContext sslContext;

        private Builder() {
        }

        /** Adds base URLs, comma-separated; {@code user:pass@} in a URL becomes basic auth. */
        public Builder urls(String commaSeparated) {
            for (String u : commaSeparated.split(",")) {
                if (!u.isBlank()) {
                    urls.add(u.trim());
                }
            }
            return this;
        }

        /** Basic auth with these credentials (overrides credentials found in URLs). */
        public Builder basicAuth(String user, String password) {
            this.userInfo = user + ":" + password;
            return this;
        }

        /** Ignore {@code user:pass@} in URLs. */
        public Builder ignoreUrlCredentials() {
            this.useUrlCredentials = false;
            return this;
        }

        /** {@code Authorization: Bearer <token>} on every request. */
        public Builder bearerToken(String token) {
            this.bearerToken = token;
            return this;
        }

        /** Retries after the first try (0 = none). */
        public Builder maxRetries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0");
            }
            this.maxRetries = retries;
            return this;
        }

        /** First backoff and the cap of the doubling backoff. */
        public Builder retryWait(Duration first, Duration max) {
            this.retryWaitMs = first.toMillis();
            this.retryMaxWaitMs = Math.max(max.toMillis(), 0);
            return this;
        }

        /** Connect timeout and whole-request timeout. */
        public Builder timeouts(Duration connect, Duration request) {
            this.connectTimeout = connect.isZero() ? Duration.ofSeconds(60) : connect;
            this.requestTimeout = request.isZero() ? Duration.ofSeconds(60) : request;
            return this;
        }

        /** TLS for {@code https://} registries (trusted CAs, client certificate); default the JVM's. */
        public Builder sslContext(javax.net.ssl.SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /** Entries per cache (LRU). */
        public Builder cacheCapacity(int capacity) {
            this.cacheCapacity = capacity;
            return this;
        }

        public RestSchemaRegistryClient build() {
            return new RestSchemaRegistryClient(this);
        }
    }
}
