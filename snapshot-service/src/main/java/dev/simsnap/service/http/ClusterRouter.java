package dev.simsnap.service.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * Which instance answers for a run, and the HTTP hop to it.
 *
 * <p>Every instance of one {@code application.id} advertises its REST address as {@code application.server}
 * ({@code host:port}); Kafka Streams spreads that through the group assignment, so any instance knows, for a run id
 * (the record key of every input topic, serialized with {@link StringSerializer}), which instance hosts the active
 * task of that key's partition ({@link KafkaStreams#queryMetadataForKey}) and which instances keep standby replicas.
 * A request for a run is answered locally when this instance is the active host, and otherwise forwarded once
 * (marked with {@link #FORWARDED_HEADER}, so the receiver never forwards again) and its status and body relayed.
 *
 * <p>The delta stores (run meta, entities) and the generation stores belong to two different sub-topologies, whose
 * tasks Streams may place on different instances even for the same partition; each store is therefore routed on
 * its own ({@link #owner(String, String)} takes the store name).
 *
 * <p>Without an {@code application.server} (a lone instance) everything is local.
 */
public final class ClusterRouter {

    /** Marks a request forwarded by a peer: answer it locally, never forward again. */
    public static final String FORWARDED_HEADER = "X-Simsnap-Forwarded";
    /** Names the instance ({@code host:port}) that produced a response. */
    public static final String SERVED_BY_HEADER = "X-Simsnap-Served-By";
    /** Set ("true") when the answer was read from a standby or a restoring store during a rebalance. */
    public static final String STALE_HEADER = "X-Simsnap-Stale";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaStreams streams;
    private final HostInfo self;
    private final HttpClient http;
    private final String selfAuthorization;

    /**
     * @param streams the running Streams instance
     * @param self    this instance's application.server, or null when not configured (then all reads are local)
     */
    public ClusterRouter(KafkaStreams streams, HostInfo self) {
        this(streams, self, null);
    }

    /**
     * @param selfAuthorization the {@code Authorization} value sent on the instance's own calls to peers (a
     *                          credential the peers accept for reads), or null when they need none
     */
    public ClusterRouter(KafkaStreams streams, HostInfo self, String selfAuthorization) {
        this.streams = Objects.requireNonNull(streams, "streams");
        this.self = self;
        this.selfAuthorization = selfAuthorization;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /**
     * Where a key of one store lives.
     *
     * @param available false while Streams has no assignment metadata (starting or rebalancing)
     * @param active    the active host (meaningless when not available)
     * @param standbys  hosts with a standby replica
     */
    public record Owner(boolean available, HostInfo active, Set<HostInfo> standbys) {
    }

    /** This instance's address, or null when not configured. */
    public HostInfo self() {
        return self;
    }

    /** True when there is no routing (no application.server): every read is local. */
    public boolean single() {
        return self == null;
    }

    /** True when {@code host} is this instance. */
    public boolean isSelf(HostInfo host) {
        return self != null && self.equals(host);
    }

    /** The hosts of {@code runId}'s partition of {@code store}. */
    public Owner owner(String store, String runId) {
        if (single()) {
            return new Owner(true, null, Set.of());
        }
        try {
            KeyQueryMetadata m = streams.queryMetadataForKey(store, runId, new StringSerializer());
            if (m == null || m.activeHost() == null || m.activeHost().port() < 0) {
                return new Owner(false, null, Set.of());
            }
            return new Owner(true, m.activeHost(), m.standbyHosts());
        } catch (RuntimeException e) { // not started, shutting down, or metadata changing under us
            return new Owner(false, null, Set.of());
        }
    }

    /**
     * Whether the store of {@code key}'s partition of {@code store} that this instance runs as the active task holds
     * {@code key}; empty when this instance has no such running store now (not the owner, or the store still
     * opening or restoring after a rebalance).
     */
    public Optional<Boolean> activeStoreHolds(String store, String key) {
        try {
            KeyQueryMetadata m = streams.queryMetadataForKey(store, key, new StringSerializer());
            if (m == null || m.partition() < 0) {
                return Optional.empty();
            }
            return Optional.of(streams.store(StoreQueryParameters.fromNameAndType(store,
                    QueryableStoreTypes.<String, Object>keyValueStore()).withPartition(m.partition())).get(key) != null);
        } catch (RuntimeException e) { // InvalidStateStoreException: not hosted here, or not running yet
            return Optional.empty();
        }
    }

    /** True when this instance should read {@code runId} of {@code store} from its own stores. */
    public boolean readsLocally(Owner owner) {
        return single() || !owner.available() || isSelf(owner.active());
    }

    /** The other instances of the application (as currently known), sorted by address. */
    public List<HostInfo> peers() {
        List<HostInfo> out = new ArrayList<>();
        if (single()) {
            return out;
        }
        for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
            HostInfo h = m.hostInfo();
            if (h != null && h.port() >= 0 && !isSelf(h) && !out.contains(h)) {
                out.add(h);
            }
        }
        out.sort((a, b) -> (a.host() + ":" + a.port()).compareTo(b.host() + ":" + b.port()));
        return out;
    }

    /**
     * Sends one request of this instance's own to a peer (a read), marked as forwarded, with this instance's read
     * credential when it has one.
     *
     * @param pathAndQuery raw (still percent-encoded) path plus {@code ?query} when any
     * @throws IOException when the peer cannot be reached
     */
    public HttpResponse<byte[]> send(HostInfo host, String method, String pathAndQuery) throws IOException {
        return send(host, method, pathAndQuery, selfAuthorization);
    }

    /**
     * Relays a client's request to a peer, marked as forwarded, with the client's own {@code Authorization}
     * (the peer decides as this instance would have).
     *
     * @param authorization the client's {@code Authorization} header, or null
     */
    public HttpResponse<byte[]> send(HostInfo host, String method, String pathAndQuery, String authorization)
            throws IOException {
        URI uri = URI.create("http://" + address(host) + pathAndQuery);
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .header(FORWARDED_HEADER, self == null ? "unknown" : address(self))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        HttpRequest request = builder.build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** {@code host:port}. */
    public static String address(HostInfo host) {
        return host.host() + ":" + host.port();
    }
}
