package dev.simsnap.schema.compat;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * Checks a new Avro schema against earlier versions at a {@link CompatibilityLevel}, with Avro's own
 * reader/writer resolution rules ({@link SchemaCompatibility}).
 *
 * <p>Used by the registry (before it accepts a version) and by the build's evolution guard, so both
 * apply exactly the same rules.
 */
public final class CompatibilityChecker {

    private CompatibilityChecker() {
    }

    /**
     * Returns the reasons {@code candidate} is not compatible, empty when it is.
     *
     * @param level    the rule to apply
     * @param candidate the new schema
     * @param previous earlier versions, oldest first; non-transitive levels look only at the last one
     */
    public static List<String> incompatibilities(CompatibilityLevel level, Schema candidate, List<Schema> previous) {
        List<String> problems = new ArrayList<>();
        if (level == CompatibilityLevel.NONE || previous.isEmpty()) {
            return problems;
        }
        List<Schema> checked = level.transitive() ? previous : List.of(previous.get(previous.size() - 1));
        for (int i = 0; i < checked.size(); i++) {
            Schema old = checked.get(i);
            String against = level.transitive() ? "version index " + i : "the latest version";
            if (level.backward()) {
                collect(problems, "BACKWARD against " + against + " (new reader, old writer)",
                        SchemaCompatibility.checkReaderWriterCompatibility(candidate, old));
            }
            if (level.forward()) {
                collect(problems, "FORWARD against " + against + " (old reader, new writer)",
                        SchemaCompatibility.checkReaderWriterCompatibility(old, candidate));
            }
        }
        return problems;
    }

    /** True when {@link #incompatibilities} finds nothing. */
    public static boolean isCompatible(CompatibilityLevel level, Schema candidate, List<Schema> previous) {
        return incompatibilities(level, candidate, previous).isEmpty();
    }

    private static void collect(List<String> problems, String what, SchemaPairCompatibility pair) {
        if (pair.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return;
        }
        for (Incompatibility incompatibility : pair.getResult().getIncompatibilities()) {
            problems.add(what + ": " + incompatibility.getType() + " at " + incompatibility.getLocation()
                    + ": " + incompatibility.getMessage());
        }
    }
}
