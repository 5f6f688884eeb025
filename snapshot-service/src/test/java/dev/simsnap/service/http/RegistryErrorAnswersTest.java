package dev.simsnap.service.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simsnap.registry.client.RegistryException;
import org.junit.jupiter.api.Test;

/** What a REST read answers when the schema registry could not give a schema the answer needs. */
class RegistryErrorAnswersTest {

    @Test
    void anOutageIsRetryableAndARefusalIsNot() {
        ApiException unreachable = ApiErrors.registryUnavailable(new RegistryException.Unavailable(
                "GET http://registry:8081/schemas/ids/7 failed", new java.net.ConnectException("refused")));
        assertThat(unreachable.status()).isEqualTo(503);
        assertThat(unreachable.getMessage()).contains("cannot be reached").contains("retry");

        ApiException overloaded = ApiErrors.registryUnavailable(RegistryException.of(503, 50002, "timeout"));
        assertThat(overloaded.status()).isEqualTo(503);

        ApiException refused = ApiErrors.registryUnavailable(RegistryException.of(403, 403, "Forbidden"));
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.getMessage()).contains("refused the snapshot service").contains("credentials");

        ApiException other = ApiErrors.registryUnavailable(RegistryException.of(422, 42201, "Invalid schema"));
        assertThat(other.status()).isEqualTo(502);
        assertThat(other.getMessage()).contains("answered 422").contains("Invalid schema");
    }
}
