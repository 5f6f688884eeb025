package dev.simsnap.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simsnap.access.HttpAccess.Need;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpAccessTest {

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void nothingConfiguredAllowsEverything() {
        HttpAccess open = HttpAccess.fromConfig(Map.of());
        assertThat(open.enabled()).isFalse();
        assertThat(open.check(null, Need.WRITE, "POST /x").allowed()).isTrue();
        assertThat(open.check("Bearer junk", Need.WRITE, "POST /x").allowed()).isTrue();
    }

    @Test
    void writeTokenGuardsWritesAndLeavesReadsOpen() {
        HttpAccess a = HttpAccess.fromConfig(Map.of(HttpAccess.WRITE_TOKEN, "w-secret"));
        assertThat(a.check(null, Need.READ, "GET /runs").allowed()).isTrue();
        assertThat(a.check("Bearer w-secret", Need.WRITE, "POST /x").allowed()).isTrue();
        HttpAccess.Decision none = a.check(null, Need.WRITE, "POST /runs/r/snapshots");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.error()).contains("authentication required").contains("POST /runs/r/snapshots");
        HttpAccess.Decision wrong = a.check("Bearer w-secreT", Need.WRITE, "POST /x");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.error()).contains("invalid credentials").doesNotContain("w-secreT");
        assertThat(a.check("Bearer ", Need.WRITE, "POST /x").status()).isEqualTo(401);
        assertThat(a.check("w-secret", Need.WRITE, "POST /x").status()).isEqualTo(401);
    }

    @Test
    void readTokenGuardsReadsAndCannotWrite() {
        HttpAccess a = HttpAccess.fromConfig(Map.of(HttpAccess.WRITE_TOKEN, "w", HttpAccess.READ_TOKEN, "r"));
        assertThat(a.check(null, Need.READ, "GET /runs").status()).isEqualTo(401);
        assertThat(a.check("Bearer r", Need.READ, "GET /runs").allowed()).isTrue();
        assertThat(a.check("Bearer w", Need.READ, "GET /runs").allowed()).isTrue();
        HttpAccess.Decision forbidden = a.check("Bearer r", Need.WRITE, "POST /x");
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.error()).contains("only allow reads");
    }

    @Test
    void onlyAReadCredentialGuardsWritesToo() {
        HttpAccess a = HttpAccess.tokens(null, "r");
        assertThat(a.check("Bearer r", Need.WRITE, "POST /x").allowed()).isTrue();
        assertThat(a.check(null, Need.WRITE, "POST /x").status()).isEqualTo(401);
    }

    @Test
    void basicUserInfoIsACredentialOfItsOwn() {
        HttpAccess a = HttpAccess.fromConfig(Map.of(HttpAccess.WRITE_USER_INFO, "ops:pw", HttpAccess.READ_TOKEN, "r"));
        assertThat(a.check(basic("ops:pw"), Need.WRITE, "PUT /config").allowed()).isTrue();
        assertThat(a.check(basic("ops:pW"), Need.WRITE, "PUT /config").status()).isEqualTo(401);
        assertThat(a.check("Bearer ops:pw", Need.WRITE, "PUT /config").status()).isEqualTo(401);
        assertThat(a.check("Basic !!!notbase64", Need.READ, "GET /").status()).isEqualTo(401);
        assertThatThrownBy(() -> HttpAccess.fromConfig(Map.of(HttpAccess.READ_USER_INFO, "nopassword")))
                .hasMessageContaining("user:password");
    }

    @Test
    void methodsMapToNeeds() {
        assertThat(HttpAccess.needOf("GET")).isEqualTo(Need.READ);
        assertThat(HttpAccess.needOf("head")).isEqualTo(Need.READ);
        assertThat(HttpAccess.needOf("POST")).isEqualTo(Need.WRITE);
        assertThat(HttpAccess.needOf("DELETE")).isEqualTo(Need.WRITE);
        assertThat(HttpAccess.needOf("PUT")).isEqualTo(Need.WRITE);
    }
}
