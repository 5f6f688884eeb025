package dev.simsnap.registry.server;

/**
 * A version path segment: a number in [1, 2^31-1], or {@code latest} / {@code -1} for the latest version.
 *
 * @param number the version, or 0 for latest
 */
record VersionId(int number) {

    static VersionId parse(String text) {
        String t = text == null ? "" : text.trim();
        if (t.equalsIgnoreCase("latest") || t.equals("-1")) {
            return new VersionId(0);
        }
        try {
            int n = Integer.parseInt(t);
            if (n >= 1) {
                return new VersionId(n);
            }
        } catch (NumberFormatException ignored) {
            // falls through to the 42202 below
        }
        throw ErrorCode.INVALID_VERSION.exception("The specified version '" + text
                + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    boolean latest() {
        return number == 0;
    }
}
