package dev.simsnap.devstack.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the annotated test class a real Kafka broker: parameters of type {@link dev.simsnap.devstack.KafkaBroker}
 * (or {@link dev.simsnap.devstack.EmbeddedKafkaBroker} when the broker is embedded) of constructors, lifecycle and
 * test methods are injected. Which broker is decided by the {@code kafka.broker} configuration parameter (JUnit
 * configuration parameter or system property), see {@link KafkaBrokerExtension}.
 *
 * <p>By default one broker is shared by every test class of the JVM; use unique topic and group names.
 * {@code @RealKafka(restartable = true)} gives the class its own embedded broker, started before the class and
 * closed after it, which its tests may {@linkplain dev.simsnap.devstack.KafkaBroker#restart() restart}.
 * Applies to {@code @Nested} classes of the annotated class too (they share its broker).
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(KafkaBrokerExtension.class)
public @interface RealKafka {

    /**
     * True: a broker of this class only, always embedded (a container cannot be restarted on the same address),
     * whatever {@code kafka.broker} says. False (default): the JVM-wide shared broker.
     */
    boolean restartable() default false;

    /**
     * Extra broker properties as {@code key=value}, for a broker of this class only; requires
     * {@code restartable = true} (a shared broker cannot have per-class settings).
     */
    String[] brokerProperties() default {};
}
