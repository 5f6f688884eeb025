package dev.simsnap.importer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One trading-arena save folder as the seed leaves it, read whole ({@link SaveFolderReader}). JSON values and
 * unpickled values share one Java form (see {@link PickleReader}): maps keep their key order, ints and floats stay
 * apart.
 *
 * @param path        the folder
 * @param information {@code information.json} ({@code virtual_date}, {@code iteration}, ...), when present
 * @param persona     {@code persona.json} entries in file order, when present
 * @param stockInputs {@code stocks.json} entries in file order, when present
 * @param persons     {@code classes/PERSON_<i>.pkl} objects by i (0, 1, ...; the seed's broker is the last)
 * @param stocks      {@code classes/STOCK_<i>.pkl} objects by i
 * @param marketIndex {@code classes/Market_index.pkl}, when present
 * @param market      {@code classes/MARKET.pkl}, when present
 * @param database    {@code data.db}, when present
 * @param skipped     what the folder holds that the import does not carry, one description each (never silent)
 */
public record SaveFolder(Path path, Optional<Map<String, Object>> information,
                         Optional<List<Map<String, Object>>> persona, Optional<List<Map<String, Object>>> stockInputs,
                         List<PythonObject> persons, List<PythonObject> stocks, Optional<PythonObject> marketIndex,
                         Optional<PythonObject> market, Optional<SqliteDatabase> database, List<String> skipped) {

    /** True when the folder holds pickled objects (a run folder or a backup), false for inputs only (save/init). */
    public boolean hasObjects() {
        return !persons.isEmpty() || !stocks.isEmpty() || marketIndex.isPresent() || market.isPresent();
    }
}
