package dev.simsnap.access;

import dev.simsnap.schema.contract.RequestPaths;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpChannelOverHttp;
import org.eclipse.jetty.server.HttpConnection;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Gives a request Jetty refuses before any route runs — a path with an encoded NUL ({@code %00}), or a {@code ..}
 * that climbs above the root once {@code %2F} is decoded — the reason {@link RequestPaths} names (e.g.
 * {@code invalid run id 'a%00b': it contains an encoded NUL byte (%00)}) instead of Jetty's bare "Bad Request".
 * Jetty's error handler never sees the request in that case, so the HTTP/1.1 connections keep the raw request
 * target and replace the reason of a 400 they are about to send. Other refusals keep Jetty's reason.
 */
public final class PathRefusals extends HttpConnectionFactory {

    /** How the reasons set here begin; error handlers answer them without it, as they are. */
    public static final String REASON_PREFIX = "request path: ";

    private PathRefusals(HttpConnectionFactory replaced) {
        super(replaced.getHttpConfiguration());
        setUseInputDirectByteBuffers(replaced.isUseInputDirectByteBuffers());
        setUseOutputDirectByteBuffers(replaced.isUseOutputDirectByteBuffers());
        setRecordHttpComplianceViolations(replaced.isRecordHttpComplianceViolations());
    }

    /**
     * Installs on {@code server}: as it starts, the HTTP/1.1 connection factory of each of its connectors is
     * replaced by one that names path problems.
     */
    public static void install(Server server) {
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarting(LifeCycle event) {
                for (Connector connector : List.of(server.getConnectors())) {
                    HttpConnectionFactory http = connector.getConnectionFactory(HttpConnectionFactory.class);
                    if (http != null && !(http instanceof PathRefusals) && connector instanceof AbstractConnector c) {
                        c.addConnectionFactory(new PathRefusals(http));
                    }
                }
            }
        });
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        HttpConnection connection = new HttpConnection(getHttpConfiguration(), connector, endPoint,
                isRecordHttpComplianceViolations()) {
            @Override
            protected HttpChannelOverHttp newHttpChannel() {
                return new HttpChannelOverHttp(this, getConnector(), getHttpConfiguration(), getEndPoint(), this) {
                    private String target;

                    @Override
                    public void startRequest(String method, String uri, HttpVersion version) {
                        target = uri;
                        super.startRequest(method, uri, version);
                    }

                    @Override
                    public void onBadMessage(BadMessageException failure) {
                        Optional<String> problem = failure.getCode() == 400 ? RequestPaths.problem(path(target))
                                : Optional.empty();
                        super.onBadMessage(problem.map(p -> new BadMessageException(400, REASON_PREFIX + p, failure))
                                .orElse(failure));
                    }
                };
            }
        };
        connection.setUseInputDirectByteBuffers(isUseInputDirectByteBuffers());
        connection.setUseOutputDirectByteBuffers(isUseOutputDirectByteBuffers());
        return configure(connection, connector, endPoint);
    }

    /** The path of a request target in origin form ({@code /runs/..}) or absolute form ({@code http://h/runs/..}). */
    private static String path(String target) {
        if (target == null || target.startsWith("/")) {
            return target;
        }
        int scheme = target.indexOf("://");
        int slash = scheme < 0 ? -1 : target.indexOf('/', scheme + 3);
        return slash < 0 ? null : target.substring(slash);
    }
}
