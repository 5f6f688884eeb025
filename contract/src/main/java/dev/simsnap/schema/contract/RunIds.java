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
            throw new IllegalArgumentException("invalid " + what + " '" + printable(id) + "': it " + problem(id)
                    + "; use 1-128 characters of A-Z a-z 0-9 . _ - and do not start with '.'");
        }
        return id;
    }

    /**
     * What is wrong with an invalid id, as a phrase after "it" (e.g. {@code contains '/'}, {@code contains a NUL
     * byte}, {@code is '..'}); the first problem found, separators and NUL before any other character.
     */
    public static String problem(String id) {
        if (id == null || id.isEmpty()) {
            return "is empty";
        }
        if (id.equals(".") || id.equals("..")) {
            return "is '" + id + "'";
        }
        for (String named : new String[] {"\u0000", "/", "\\"}) {
            if (id.contains(named)) {
                return named.equals("\u0000") ? "contains a NUL byte" : "contains '" + named + "'";
            }
        }
        if (id.length() > 128) {
            return "is " + id.length() + " characters long";
        }
        if (id.startsWith(".")) {
            return "starts with '.'";
        }
        for (int i = 0; i < id.length(); ) {
            int c = id.codePointAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-'))) {
                return Character.isISOControl(c) ? String.format("contains the control character U+%04X", c)
                        : "contains '" + new String(Character.toChars(c)) + "'";
            }
            i += Character.charCount(c);
        }
        return "is not a valid id";
    }

    private static String printable(String id) {
        if (id == null) {
            return "null";
        }
        String shown = id.length() > 64 ? id.substring(0, 64) + "..." : id;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
