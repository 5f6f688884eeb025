package dev.simsnap.devstack.junit;

import org.junit.jupiter.api.Assumptions;

/**
 * A test's need for an outside tool (Node, Python, a browser...). On a developer's machine a missing tool skips the
 * test (a JUnit assumption, with the install hint); on CI ({@code CI=true} in the environment, as {@code .ci/run}
 * runs) it fails the test with the same hint, so a tool that CI did not install can never turn a test into a
 * silent skip.
 *
 * <pre>{@code
 * RequiredTool.require("node", NodeSupport.onPath("node").isPresent(), "install Node 20 + npm");
 * }</pre>
 */
public final class RequiredTool {

    /** The environment variable CI systems (and {@code .ci/run}) set to {@code true}. */
    public static final String CI_VARIABLE = "CI";

    private RequiredTool() {
    }

    /**
     * Returns when {@code present}; otherwise aborts the test (skipped) or, under {@code CI=true}, fails it.
     *
     * @param tool what is needed, as the message names it (e.g. {@code "node and npm"})
     * @param present whether the test found it
     * @param installHint how to get it (e.g. {@code "apt-get install chromium chromium-driver"})
     * @throws AssertionError under {@code CI=true} when the tool is missing
     * @throws org.opentest4j.TestAbortedException otherwise when the tool is missing
     */
    public static void require(String tool, boolean present, String installHint) {
        require(tool, present, installHint, System.getenv(CI_VARIABLE));
    }

    /** True when the environment says this is a CI run ({@code CI=true}): tools are then mandatory. */
    public static boolean onCi() {
        return onCi(System.getenv(CI_VARIABLE));
    }

    static boolean onCi(String ciValue) {
        return "true".equalsIgnoreCase(ciValue == null ? null : ciValue.trim());
    }

    static void require(String tool, boolean present, String installHint, String ciValue) {
        if (present) {
            return;
        }
        String missing = tool + " not found: " + installHint;
        if (onCi(ciValue)) {
            throw new AssertionError(missing + " (CI=true: a test must not skip for lack of a tool; .ci/run installs"
                    + " it)");
        }
        Assumptions.abort(missing + " (test skipped; with CI=true it fails)");
    }
}
