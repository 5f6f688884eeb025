package dev.simsnap.devstack.junit;

import java.lang.reflect.AnnotatedElement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.simsnap.devstack.EmbeddedKafkaBroker;
import dev.simsnap.devstack.KafkaBroker;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;
import org.junit.platform.commons.support.AnnotationSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a real Kafka broker for tests and injects it into parameters of type {@link KafkaBroker} or
 * {@link EmbeddedKafkaBroker}. Register with {@link RealKafka @RealKafka} (preferred) or
 * {@code @ExtendWith(KafkaBrokerExtension.class)} (same as {@code @RealKafka} with defaults).
 *
 * <p>Which broker: configuration parameter {@code kafka.broker} (a JUnit configuration parameter, else the system
 * property of that name; the parent pom passes it to Surefire/Failsafe):
 * <ul>
 *   <li>{@code embedded} (default, also when unset): {@link EmbeddedKafkaBroker};</li>
 *   <li>{@code docker}: Testcontainers {@code KafkaContainer} with {@code apache/kafka:4.1.1}; when Testcontainers
 *       is not on the classpath or Docker does not answer, the test class is skipped (disabled by this extension's
 *       execution condition, with the reason), never failed;</li>
 *   <li>{@code auto}: docker when available, else embedded.</li>
 * </ul>
 * {@code @RealKafka(restartable = true)} always gets an embedded broker of its own.
 *
 * <p>Lifetime: the shared broker is started by the first test class that needs it and stored in the root
 * {@link ExtensionContext} store, so it is closed when the JUnit engine finishes (end of the test JVM run).
 * A per-class broker lives in the store of the annotated class and is closed after that class.
 * The broker is started before {@code @BeforeAll} methods and before the test instance is constructed.
 */
public final class KafkaBrokerExtension
        implements ExecutionCondition, BeforeAllCallback, TestInstancePreConstructCallback, ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBrokerExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaBrokerExtension.class);
    // Distinct keys: a store lookup also sees the values of all enclosing (parent) stores.
    private static final String SHARED_KEY = "shared-broker";
    private static final String CLASS_KEY = "class-broker";

    /** Skips (disables) the class when it would get a container broker but Docker is unavailable. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (owner(context).restartable()) {
            return ConditionEvaluationResult.enabled("embedded broker of the class");
        }
        return dockerUnavailableReason(context)
                .map(ConditionEvaluationResult::disabled)
                .orElseGet(() -> ConditionEvaluationResult.enabled("a Kafka broker is available"));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    @Override
    public void preConstructTestInstance(TestInstanceFactoryContext factoryContext, ExtensionContext context) {
        broker(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == KafkaBroker.class || type == EmbeddedKafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        KafkaBroker broker = broker(extensionContext);
        Class<?> type = parameterContext.getParameter().getType();
        if (!type.isInstance(broker)) {
            throw new ParameterResolutionException("The broker is " + broker + ", not an " + type.getSimpleName()
                    + " (kafka.broker selects docker); declare the parameter as KafkaBroker");
        }
        return broker;
    }

    private static KafkaBroker broker(ExtensionContext context) {
        Owner owner = owner(context);
        String key = owner.restartable() ? CLASS_KEY : SHARED_KEY;
        Started started = owner.context().getStore(NAMESPACE)
                .getOrComputeIfAbsent(key, k -> start(owner, context), Started.class);
        return started.broker();
    }

    private static Started start(Owner owner, ExtensionContext context) {
        if (owner.restartable()) {
            return startEmbedded(owner.brokerProperties());
        }
        if (mode(context) == BrokerMode.EMBEDDED) {
            return startEmbedded(Map.of());
        }
        // Normally the execution condition has skipped the class already; this covers other entry points.
        dockerUnavailableReason(context).ifPresent(Assumptions::abort);
        return startDocker();
    }

    private static BrokerMode mode(ExtensionContext context) {
        return BrokerMode.parse(context.getConfigurationParameter(BrokerMode.PARAMETER).orElse(null)).effective();
    }

    private static Optional<String> dockerUnavailableReason(ExtensionContext context) {
        if (mode(context) != BrokerMode.DOCKER) {
            return Optional.empty();
        }
        if (!DockerSupport.testcontainersPresent()) {
            return Optional.of("kafka.broker=docker but org.testcontainers:testcontainers-kafka is not on the test classpath");
        }
        if (!DockerSupport.dockerAvailable()) {
            return Optional.of("kafka.broker=docker but no Docker engine is available");
        }
        return Optional.empty();
    }

    private static Started startEmbedded(Map<String, String> properties) {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().brokerProperties(properties).start();
        return new Started(broker, broker);
    }

    // Kept in its own method: the only place that links DockerKafkaBroker (hence Testcontainers).
    private static Started startDocker() {
        long begin = System.nanoTime();
        DockerKafkaBroker broker = DockerKafkaBroker.start();
        LOG.info("Kafka container {} started in {} ms", broker, (System.nanoTime() - begin) / 1_000_000);
        return new Started(broker, broker);
    }

    /**
     * The context whose store holds the broker: the nearest enclosing class context annotated with
     * {@code @RealKafka(restartable = true)}, else the root context (shared broker).
     */
    private static Owner owner(ExtensionContext context) {
        for (Optional<ExtensionContext> current = Optional.of(context); current.isPresent();
             current = current.get().getParent()) {
            Optional<AnnotatedElement> element = current.get().getElement();
            if (element.isPresent() && element.get() instanceof Class<?>) {
                Optional<RealKafka> annotation =
                        AnnotationSupport.findAnnotation(element.get(), RealKafka.class);
                if (annotation.isPresent()) {
                    RealKafka realKafka = annotation.get();
                    Map<String, String> properties = parse(realKafka.brokerProperties(), element.get());
                    if (realKafka.restartable()) {
                        return new Owner(current.get(), true, properties);
                    }
                    if (!properties.isEmpty()) {
                        throw new ExtensionConfigurationException("@RealKafka(brokerProperties) on " + element.get()
                                + " requires restartable = true: the shared broker cannot take per-class settings");
                    }
                    break;
                }
            }
        }
        return new Owner(context.getRoot(), false, Map.of());
    }

    private static Map<String, String> parse(String[] entries, AnnotatedElement where) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new ExtensionConfigurationException("@RealKafka(brokerProperties) on " + where
                        + ": expected key=value, got '" + entry + "'");
            }
            properties.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        return properties;
    }

    private record Owner(ExtensionContext context, boolean restartable, Map<String, String> brokerProperties) {
    }

    /** What the store keeps; JUnit closes stored AutoCloseables when their context ends. */
    private record Started(KafkaBroker broker, AutoCloseable closer) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            closer.close();
        }
    }
}
