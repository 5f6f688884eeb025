package dev.simsnap.devstack.junit;

/**
 * Docker checks that are safe without Testcontainers on the classpath: Testcontainers classes are touched only
 * through {@link DockerKafkaBroker}, and only after {@link #testcontainersPresent()} said yes.
 */
final class DockerSupport {

    private static volatile Boolean dockerAvailable;

    private DockerSupport() {
    }

    /** True when the optional {@code testcontainers-kafka} dependency is on the classpath. */
    static boolean testcontainersPresent() {
        try {
            ClassLoader loader = DockerSupport.class.getClassLoader();
            Class.forName("org.testcontainers.DockerClientFactory", false, loader);
            Class.forName("org.testcontainers.kafka.KafkaContainer", false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Testcontainers present and a Docker engine reachable; asked once per JVM (~0.3 s), then cached. */
    static boolean dockerAvailable() {
        Boolean known = dockerAvailable;
        if (known == null) {
            known = testcontainersPresent() && DockerKafkaBroker.dockerAvailable();
            dockerAvailable = known;
        }
        return known;
    }
}
