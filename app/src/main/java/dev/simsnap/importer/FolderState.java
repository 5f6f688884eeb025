package dev.simsnap.importer;

import java.util.Map;
import org.apache.avro.generic.GenericRecord;

/**
 * What one save folder makes of the run: the state one import step brings the run to.
 *
 * @param folder the folder it was read from
 * @param clock  the simulation's clock ({@code virtual_date}, {@code iteration})
 * @param items  keyed and singleton collections: items by entity id, in insertion order (singletons: id "")
 * @param rows   rows collections ({@code db_<table>}): rows by rowid, ascending
 */
record FolderState(SaveFolder folder, Map<String, Long> clock, Map<String, Map<String, GenericRecord>> items,
                          Map<String, Map<Long, GenericRecord>> rows) {

    /** Items of all collections. */
    public int itemCount() {
        return items.values().stream().mapToInt(Map::size).sum();
    }

    /** Rows of all tables. */
    public int rowCount() {
        return rows.values().stream().mapToInt(Map::size).sum();
    }
}
