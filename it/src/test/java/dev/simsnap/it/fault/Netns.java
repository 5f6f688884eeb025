package dev.simsnap.it.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One Linux network namespace per broker, joined by a bridge in this (the root) namespace, so a broker can be cut off
 * the network while its process runs on: {@link #isolate} takes its link down (no broker, controller or client
 * reaches it, nor it them), {@link #heal} brings it back. Addresses {@code 10.231.<x>.<node>/24}, the bridge
 * {@code .254}; names carry a random id so runs never meet. Needs root and iproute2's {@code ip}.
 */
final class Netns implements AutoCloseable {

    private final String id;
    private final int subnet;
    private final int nodes;
    private final List<String> created = new ArrayList<>();

    private Netns(int nodes) {
        this.id = Integer.toString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000), 16);
        this.subnet = ThreadLocalRandom.current().nextInt(256);
        this.nodes = nodes;
    }

    /** Whether this process may create network namespaces (root with {@code ip}): tries a probe namespace. */
    static boolean available() {
        String probe = "simsnap-probe-" + ProcessHandle.current().pid();
        try {
            return run("ip", "netns", "add", probe) == 0 && run("ip", "netns", "del", probe) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Creates the bridge and {@code nodes} namespaces, each with its address and loopback up. */
    static Netns create(int nodes) throws IOException {
        Netns n = new Netns(nodes);
        try {
            n.setUp();
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void setUp() throws IOException {
        String bridge = "ssb" + id;
        must("ip", "link", "add", bridge, "type", "bridge");
        created.add("link " + bridge);
        must("ip", "addr", "add", "10.231." + subnet + ".254/24", "dev", bridge);
        must("ip", "link", "set", bridge, "up");
        for (int node = 1; node <= nodes; node++) {
            String ns = namespace(node);
            must("ip", "netns", "add", ns);
            created.add("netns " + ns);
            String outside = hostLink(node);
            String inside = "ssp" + id + "n" + node;
            must("ip", "link", "add", outside, "type", "veth", "peer", "name", inside);
            must("ip", "link", "set", inside, "netns", ns);
            must("ip", "link", "set", outside, "master", bridge);
            must("ip", "link", "set", outside, "up");
            must("ip", "netns", "exec", ns, "ip", "addr", "add", host(node) + "/24", "dev", inside);
            must("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up");
            must("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        }
    }

    /** The address of a node in its namespace. */
    String host(int node) {
        return "10.231." + subnet + "." + node;
    }

    /** The command prefix that runs a program in a node's namespace. */
    List<String> prefix(int node) {
        return List.of("ip", "netns", "exec", namespace(node));
    }

    /** Cuts a node off: its link to the bridge goes down. */
    void isolate(int node) throws IOException {
        must("ip", "link", "set", hostLink(node), "down");
    }

    /** Reconnects an isolated node. */
    void heal(int node) throws IOException {
        must("ip", "link", "set", hostLink(node), "up");
    }

    private String namespace(int node) {
        return "simsnap-" + id + "-n" + node;
    }

    private String hostLink(int node) {
        return "ssh" + id + "n" + node;
    }

    /** Deletes the namespaces (their veth pairs go with them) and the bridge. */
    @Override
    public void close() {
        for (int i = created.size() - 1; i >= 0; i--) {
            String[] what = created.get(i).split(" ");
            try {
                if (what[0].equals("netns")) {
                    run("ip", "netns", "del", what[1]);
                } else {
                    run("ip", "link", "del", what[1]);
                }
            } catch (IOException e) {
                System.out.println("[fault-suite] could not remove " + created.get(i) + ": " + e);
            }
        }
    }

    private static void must(String... command) throws IOException {
        int code = run(command);
        if (code != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + code);
        }
    }

    private static int run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.exitValue() != 0 && !out.isEmpty()) {
                System.out.println("[fault-suite] " + String.join(" ", command) + ": " + out);
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + String.join(" ", command), e);
        }
    }
}
