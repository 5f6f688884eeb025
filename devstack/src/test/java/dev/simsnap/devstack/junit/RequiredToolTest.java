package dev.simsnap.devstack.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** A missing tool skips a test on a developer's machine and fails it under {@code CI=true}. */
class RequiredToolTest {

    @Test
    void presentToolPassesWhereverItRuns() {
        assertThatCode(() -> RequiredTool.require("node", true, "install node", "true")).doesNotThrowAnyException();
        assertThatCode(() -> RequiredTool.require("node", true, "install node", null)).doesNotThrowAnyException();
    }

    @Test
    void missingToolFailsWithTheHintUnderCi() {
        assertThatThrownBy(() -> RequiredTool.require("chromium", false, "apt-get install chromium", "true"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("chromium not found: apt-get install chromium")
                .hasMessageContaining("CI=true");
        assertThatThrownBy(() -> RequiredTool.require("chromium", false, "hint", "TRUE"))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void missingToolSkipsWithTheHintOutsideCi() {
        for (String ci : new String[] {null, "", "false", "1"}) {
            assertThatThrownBy(() -> RequiredTool.require("python3", false, "install python3", ci))
                    .as("CI=%s", ci)
                    .isInstanceOf(TestAbortedException.class)
                    .hasMessageContaining("python3 not found: install python3");
        }
    }

    @Test
    void onlyTrueMeansCi() {
        assertThat(RequiredTool.onCi("true")).isTrue();
        assertThat(RequiredTool.onCi(" true ")).isTrue();
        assertThat(RequiredTool.onCi(null)).isFalse();
        assertThat(RequiredTool.onCi("0")).isFalse();
    }
}
