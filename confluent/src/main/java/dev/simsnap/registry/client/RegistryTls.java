package dev.simsnap.registry.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;

/**
 * The TLS context of a registry client, from Confluent's keys: {@value #TRUSTSTORE_LOCATION} (the CAs to trust for
 * an {@code https://} registry), {@value #TRUSTSTORE_PASSWORD}, {@value #TRUSTSTORE_TYPE} (default the JVM's,
 * PKCS12), and for client certificates {@value #KEYSTORE_LOCATION}, {@value #KEYSTORE_PASSWORD},
 * {@value #KEYSTORE_TYPE}, {@value #KEY_PASSWORD}. Only the {@code schema.registry.}-prefixed spelling is read: the
 * unprefixed {@code ssl.*} keys belong to the Kafka clients of the same configuration.
 */
public final class RegistryTls {

    public static final String TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    public static final String TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    public static final String TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    public static final String KEYSTORE_LOCATION = "schema.registry.ssl.keystore.location";
    public static final String KEYSTORE_PASSWORD = "schema.registry.ssl.keystore.password";
    public static final String KEYSTORE_TYPE = "schema.registry.ssl.keystore.type";
    public static final String KEY_PASSWORD = "schema.registry.ssl.key.password";

    private RegistryTls() {
    }

    /**
     * The context the keys describe, or null when neither a truststore nor a keystore is configured (the JVM's
     * default trust then applies).
     *
     * @throws ConfigException when a store cannot be read or opened
     */
    public static SSLContext fromConfig(Map<String, ?> config) {
        String trustLocation = value(config, TRUSTSTORE_LOCATION);
        String keyLocation = value(config, KEYSTORE_LOCATION);
        if (trustLocation == null && keyLocation == null) {
            return null;
        }
        try {
            TrustManagerFactory tmf = null;
            if (trustLocation != null) {
                KeyStore trust = load(trustLocation, value(config, TRUSTSTORE_TYPE), value(config, TRUSTSTORE_PASSWORD),
                        TRUSTSTORE_LOCATION);
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (keyLocation != null) {
                String storePassword = value(config, KEYSTORE_PASSWORD);
                KeyStore keys = load(keyLocation, value(config, KEYSTORE_TYPE), storePassword, KEYSTORE_LOCATION);
                String keyPassword = value(config, KEY_PASSWORD);
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, chars(keyPassword != null ? keyPassword : storePassword));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ConfigException("schema registry TLS settings are unusable: " + e.getMessage());
        }
    }

    private static KeyStore load(String location, String type, String password, String key)
            throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(type == null ? KeyStore.getDefaultType() : type);
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, chars(password));
        } catch (IOException e) {
            throw new ConfigException(key, location, "cannot read the store: " + e.getMessage());
        }
        return store;
    }

    private static char[] chars(String password) {
        return password == null ? null : password.toCharArray();
    }

    private static String value(Map<String, ?> config, String key) {
        Object v = config.get(key);
        return v == null || String.valueOf(v).isBlank() ? null : String.valueOf(v).trim();
    }
}
