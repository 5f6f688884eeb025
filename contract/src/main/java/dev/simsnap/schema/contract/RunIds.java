package dev.simsnap.schema.contract;

import java.util.regex.Pattern;

/**
 * The one rule for run ids (and worker ids), applied by every entry point: producer, REST, CLI, snapshots.
 *
 * <p>A valid id is 1 to 128 characters of {@code [A-Za-z0-9._-]} and does not start with {@code '.'}; so it is
 * always a single, non-hidden path segment and can never climb out of an output root ({@code ..}, {@code /},
 * {@code \}, NUL and the empty string are all refused).
 */
public final class RunIds {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");

    private RunIds() {
    }

    /** True when {@code id} follows the rule. */
    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /**
     * Returns {@code id} when valid.
     *
     * @throws IllegalArgumentException with a one-line message naming what is wrong
     */
    public static String require(String what, String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("invalid " + what + " '" + printable(id)
                    + "': use 1-128 characters of A-Z a-z 0-9 . _ - and do not start with '.'");
        }
        return id;
    }

    private static String printable(String id) {
        if (id == null) {
            return "null";
        }
        String shown = id.length() > 64 ? id.substring(0, 64) + "..." : id;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
