package dev.simsnap.devstack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Collection;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The choice of a development broker's ports on 127.0.0.1: the one a data directory saved by an earlier start when it
 * is still free, else a free one from the operating system, never one of those already taken by the same broker or
 * cluster.
 */
final class FreePorts {

    private static final Logger LOG = LoggerFactory.getLogger(FreePorts.class);
    private static final String HOST = "127.0.0.1";

    private FreePorts() {
    }

    /**
     * The port saved under {@code key} in {@code saved} when it is set, not in {@code taken} and free to bind (a WARN
     * names it otherwise), else a free port the operating system chooses that is not in {@code taken}.
     */
    static int savedOrFree(Properties saved, String key, Collection<Integer> taken) throws IOException {
        String value = saved.getProperty(key);
        if (value != null) {
            int savedPort = Integer.parseInt(value.trim());
            if (!taken.contains(savedPort) && isFree(savedPort)) {
                return savedPort;
            }
            LOG.warn("Saved {} {} is in use; choosing a free one", key, savedPort);
        }
        int chosen;
        do {
            chosen = bind(0);
        } while (taken.contains(chosen));
        return chosen;
    }

    private static boolean isFree(int candidate) {
        try {
            bind(candidate);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int bind(int candidate) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true); // a port in TIME_WAIT after our own stop() is free for the broker too
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), candidate));
            return socket.getLocalPort();
        }
    }
}
