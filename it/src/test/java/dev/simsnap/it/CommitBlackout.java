package dev.simsnap.it;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP relay in front of a real broker (which advertises the relay's port, so every client connection after the
 * bootstrap goes through it) that makes one commit's outcome unknown, deterministically: when armed, the first
 * {@code EndTxn} request (Kafka API key 26) whose transactional id starts with a given prefix is passed on to the
 * broker, which commits the transaction, and from then on the relay passes nothing in either direction — to any
 * connection, existing or new — for the blackout's length: to the clients it is a broker gone at the moment of the
 * commit, to the broker the commit was asked for. Nothing of Kafka is mocked; the relay only reads the frame length
 * and API key of each request.
 */
final class CommitBlackout implements AutoCloseable {

    private static final short END_TXN = 26;

    private final ServerSocket server;
    private final int brokerPort;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile String prefix;
    private volatile long blackoutMillis;
    private volatile long darkUntil;
    private final CountDownLatch tripped = new CountDownLatch(1);
    private volatile boolean closed;

    private CommitBlackout(ServerSocket server, int brokerPort) {
        this.server = server;
        this.brokerPort = brokerPort;
    }

    /** Listens on {@code port} (127.0.0.1) and relays to the broker on {@code brokerPort}. */
    static CommitBlackout start(int port, int brokerPort) throws IOException {
        ServerSocket s = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        CommitBlackout relay = new CommitBlackout(s, brokerPort);
        Thread accept = new Thread(relay::accept, "commit-blackout-accept");
        accept.setDaemon(true);
        accept.start();
        return relay;
    }

    /** A free port on 127.0.0.1. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The next EndTxn of a transactional id starting with {@code transactionalIdPrefix} starts a blackout. */
    void arm(String transactionalIdPrefix, long blackout) {
        this.prefix = transactionalIdPrefix;
        this.blackoutMillis = blackout;
        armed.set(true);
    }

    /** Waits until the armed EndTxn went to the broker. */
    boolean awaitTripped(long millis) throws InterruptedException {
        return tripped.await(millis, TimeUnit.MILLISECONDS);
    }

    /** True while the blackout lasts. */
    boolean dark() {
        return System.currentTimeMillis() < darkUntil;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                waitForLight();
                Socket broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                sockets.add(client);
                sockets.add(broker);
                pump(client, broker, true);
                pump(broker, client, false);
            } catch (IOException | InterruptedException e) {
                if (!closed) {
                    System.out.println("[CommitBlackout] accept: " + e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to, boolean requests) {
        Thread t = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                if (requests) {
                    DataInputStream frames = new DataInputStream(in);
                    while (true) {
                        int size = frames.readInt();
                        byte[] frame = new byte[size];
                        frames.readFully(frame);
                        boolean trap = size >= 2 && (short) (((frame[0] & 0xff) << 8) | (frame[1] & 0xff)) == END_TXN
                                && armed.get() && new String(frame, StandardCharsets.ISO_8859_1).contains(prefix)
                                && armed.compareAndSet(true, false);
                        if (trap) {
                            // Dark before the request goes on, so not even its answer gets back.
                            darkUntil = System.currentTimeMillis() + blackoutMillis;
                        } else {
                            waitForLight();
                        }
                        out.write(new byte[] {(byte) (size >>> 24), (byte) (size >>> 16), (byte) (size >>> 8),
                                (byte) size});
                        out.write(frame);
                        out.flush();
                        if (trap) {
                            System.out.printf("[CommitBlackout] EndTxn of %s... passed on; dark for %d ms%n", prefix,
                                    blackoutMillis);
                            tripped.countDown();
                        }
                    }
                } else {
                    byte[] buffer = new byte[64 * 1024];
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        waitForLight();
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException | InterruptedException e) {
                // a side closed: close both
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "commit-blackout-" + (requests ? "requests" : "responses"));
        t.setDaemon(true);
        t.start();
    }

    private void waitForLight() throws InterruptedException {
        long wait;
        while ((wait = darkUntil - System.currentTimeMillis()) > 0) {
            Thread.sleep(Math.min(wait, 100));
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        sockets.forEach(CommitBlackout::closeQuietly);
    }
}
