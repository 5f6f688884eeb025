package dev.simsnap.producer;

/** A run start that disagrees with the definition the run was already started with; nothing was written. */
public final class RunConflictException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String existingKind;
    private final java.util.List<String> existingWorkers;
    private final String existingModel;

    public RunConflictException(String run, String existingKind, java.util.List<String> existingWorkers,
                                String existingModel, String difference) {
        super("run " + run + " was already started with a different definition (" + difference + "): kind '"
                + existingKind + "', expected_workers " + existingWorkers + ", model "
                + (existingModel == null ? "none (a v1 run)" : abbreviate(existingModel)));
        this.existingKind = existingKind;
        this.existingWorkers = java.util.List.copyOf(existingWorkers);
        this.existingModel = existingModel;
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }

    public String existingKind() {
        return existingKind;
    }

    public java.util.List<String> existingWorkers() {
        return existingWorkers;
    }

    /** The existing run's model JSON, null for a run started without one. */
    public String existingModel() {
        return existingModel;
    }
}
