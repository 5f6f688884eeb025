package dev.simsnap.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Content errors of seed files name the file and the field. */
class SeedFolderReaderTest {

    @Test
    void missingSeedFieldIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("persona.json"), "[{\"person_id\": 0, \"name\": \"A\", \"occupation\": \"B\","
                + " \"principle\": \"C\", \"investment_duration\": \"D\", \"daily_income_from_job\": \"1\","
                + " \"minimum_living_expense\": 1, \"reflect_frequency\": 1}]");
        assertThatThrownBy(() -> SeedFolderReader.read(dir, null)).isInstanceOf(SeedFormatException.class)
                .hasMessageContaining("persona.json").hasMessageContaining("'cash'");
    }

    @Test
    void wrongTypeAndDuplicateIdsAreNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("stocks.json"), "[{\"stock_id\": 0, \"stock_name\": \"A\", \"DPS\": \"high\","
                + " \"past_stock_last_prices\": [], \"quantity\": 1}]");
        assertThatThrownBy(() -> SeedFolderReader.read(dir, null)).hasMessageContaining("'stocks.json[0].DPS'");
        Files.writeString(dir.resolve("stocks.json"), "[{\"stock_id\": 0, \"stock_name\": \"A\", \"DPS\": 1,"
                + " \"past_stock_last_prices\": [], \"quantity\": 1}, {\"stock_id\": 0, \"stock_name\": \"B\","
                + " \"DPS\": 1, \"past_stock_last_prices\": [], \"quantity\": 1}]");
        assertThatThrownBy(() -> SeedFolderReader.read(dir, null)).hasMessageContaining("duplicate id 0");
    }

    @Test
    void syntaxErrorGivesFileLineColumnOnOneLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("gen_3.json"), "[\n  {\"name\": \"A\",\n   \"age\": }\n]");
        assertThatThrownBy(() -> SeedFolderReader.read(null, dir))
                .satisfies(e -> assertThat(e.getMessage()).contains("gen_3.json:3:").doesNotContain("\n"));
    }
}
