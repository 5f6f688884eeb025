package dev.simsnap.importer;

import dev.simsnap.schema.delta.Person;
import dev.simsnap.schema.delta.Stock;
import dev.simsnap.schema.generation.PersonaGenotype;
import java.util.List;
import java.util.SortedMap;

/**
 * A parsed and validated seed-format input: a save folder ({@code information.json}, {@code persona.json},
 * {@code stocks.json}) and/or a {@code persona_data} folder ({@code gen_<N>.json}).
 *
 * @param hasSaveState true when a save folder was read
 * @param virtualDate  information.json's virtual_date (0 when the file is absent)
 * @param iteration    information.json's iteration (0 when the file is absent)
 * @param persons      persona.json, in file order
 * @param stocks       stocks.json, in file order
 * @param generations  populations by generation number, ascending
 */
public record SeedFolder(boolean hasSaveState, int virtualDate, long iteration, List<Person> persons,
                         List<Stock> stocks, SortedMap<Integer, List<PersonaGenotype>> generations) {
}
