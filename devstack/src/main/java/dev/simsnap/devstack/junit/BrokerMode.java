package dev.simsnap.devstack.junit;

import java.util.Locale;

/** The value of {@code kafka.broker}: which broker the extension hands to tests. */
enum BrokerMode {
    /** {@link dev.simsnap.devstack.EmbeddedKafkaBroker} in the test JVM (the default). */
    EMBEDDED,
    /** A Testcontainers {@code apache/kafka} container; tests are skipped when Docker is unavailable. */
    DOCKER,
    /** DOCKER when Testcontainers is on the classpath and Docker answers, else EMBEDDED. */
    AUTO;

    static final String PARAMETER = "kafka.broker";

    /** Parses a {@code kafka.broker} value; null or blank means EMBEDDED, case is ignored. */
    static BrokerMode parse(String value) {
        if (value == null || value.isBlank()) {
            return EMBEDDED;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PARAMETER + " must be auto, embedded or docker, not '" + value + "'", e);
        }
    }

    /** AUTO resolved against the current machine; EMBEDDED and DOCKER unchanged. */
    BrokerMode effective() {
        if (this != AUTO) {
            return this;
        }
        return DockerSupport.dockerAvailable() ? DOCKER : EMBEDDED;
    }
}
