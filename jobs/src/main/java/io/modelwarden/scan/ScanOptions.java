package io.modelwarden.scan;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.connect.CsvDialect;
import java.io.Serializable;
import java.util.List;

/**
 * The resolved options of one scan: command-line flags over the configuration file over the
 * defaults. Built once at start; invalid values have already stopped the scan with a one-line error.
 */
public record ScanOptions(
        String input,
        String output,
        String baseline,
        Config config,
        int parallelism,
        String labelColumn,
        String idColumn,
        List<String> ignoredColumns,
        CsvDialect csvDialect,
        boolean imputeMissing,
        long seed,
        int referenceSampleSize,
        int maxCategories,
        int topFindings,
        String jdbcUrl,
        String kafkaBootstrap,
        String kafkaTopic)
        implements Serializable {

    public char delimiter() {
        return csvDialect.delimiter();
    }

    /** Reads every scan.* key the job itself uses (detectors read theirs when they are fitted). */
    public static ScanOptions of(String input, String output, String baseline, Config c) {
        if (input == null || input.isBlank()) {
            throw new ConfigException("--input is required");
        }
        if (output == null || output.isBlank()) {
            throw new ConfigException("--output is required");
        }
        String delim = c.getString("scan.csv.delimiter");
        if (delim.length() != 1) {
            throw ConfigException.invalid("scan.csv.delimiter", "exactly one character", "'" + delim + "'");
        }
        CsvDialect dialect = new CsvDialect(delim.charAt(0), c.getInt("scan.csv.max-record-bytes")); // checks both keys
        String missing = c.getString("scan.missing-values").trim();
        if (!missing.equals("reject") && !missing.equals("impute")) {
            throw ConfigException.invalid("scan.missing-values", "reject or impute", "'" + missing + "'");
        }
        int parallelism = c.getInt("scan.parallelism");
        if (parallelism < 0) {
            throw ConfigException.invalid("scan.parallelism", ">= 0 (0: the environment's default)", parallelism);
        }
        DetectorSuite.validate(c);
        return new ScanOptions(
                input,
                output,
                baseline == null || baseline.isBlank() ? null : baseline,
                c,
                parallelism,
                c.getString("scan.label-column").trim(),
                c.getString("scan.id-column").trim(),
                c.getList("scan.ignore-columns"),
                dialect,
                missing.equals("impute"),
                c.getLong("scan.seed"),
                c.positiveInt("scan.reference-sample-size"),
                c.positiveInt("scan.max-categories"),
                c.positiveInt("scan.report.top-findings"),
                c.getString("scan.sinks.jdbc.url").trim(),
                c.getString("scan.sinks.kafka.bootstrap").trim(),
                c.getString("scan.sinks.kafka.topic").trim());
    }
}
