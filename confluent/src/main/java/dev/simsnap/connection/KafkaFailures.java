package dev.simsnap.connection;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;

/**
 * One-line descriptions of Kafka client failures, naming the setting to look at when the broker refused the
 * credentials or an ACL refused the principal, so that a wrong password or a missing ACL reads as such and not as
 * "Kafka unreachable".
 */
public final class KafkaFailures {

    private KafkaFailures() {
    }

    /** The most telling cause of {@code failure}: its security cause when it has one, else its root cause. */
    public static String describe(Throwable failure) {
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
                return security(t);
            }
            root = t;
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** True when {@code failure} or a cause is an authentication or authorization refusal by the broker. */
    public static boolean isSecurityFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
                return true;
            }
        }
        return false;
    }

    private static String security(Throwable t) {
        String what = t.getClass().getSimpleName() + ": " + t.getMessage();
        if (t instanceof AuthenticationException) {
            return "Kafka refused the client's credentials (" + what + "); check security.protocol, sasl.mechanism"
                    + " and sasl.jaas.config (or ssl.keystore.*) of the client configuration";
        }
        if (t instanceof TransactionalIdAuthorizationException) {
            return "this principal may not use the transactional id (" + what + "); workers use "
                    + ClientConfig.TRANSACTIONAL_ID_PREFIX + " + <run>-<worker>: set that prefix to one the principal"
                    + " holds a prefixed WRITE ACL on";
        }
        if (t instanceof TopicAuthorizationException topics) {
            return "this principal is not authorized on " + (topics.unauthorizedTopics().isEmpty() ? "a topic"
                    : "topic(s) " + topics.unauthorizedTopics()) + " (" + what + "); an ACL is missing";
        }
        if (t instanceof GroupAuthorizationException group) {
            return "this principal is not authorized on consumer group " + group.groupId() + " (" + what
                    + "); an ACL is missing";
        }
        return "Kafka refused the request (" + what + "); an ACL is missing for this principal";
    }
}
