package io.modelwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.config.Config;
import io.modelwarden.detect.poisoning.DuplicateRate;
import io.modelwarden.json.Json;
import io.modelwarden.synth.DatasetFiles;
import io.modelwarden.synth.PoisonedDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The whole scan on a MiniCluster (parallelism 2): CSV, Parquet, folders, rejected rows, baseline and drift. */
class ScanJobTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-29T08:00:00Z"), ZoneOffset.UTC);
    static final PoisonedDataset DATA = PoisonedDataset.poisoned(11, 6_000, 8, new PoisonedDataset.Rates(0.01, 0.05, 0.01, 0.02));

    @TempDir
    static Path dir;

    static Path csv;
    static Path parquet;

    @BeforeAll
    static void writeData() throws Exception {
        csv = DatasetFiles.writeCsv(DATA, dir.resolve("data.csv"));
        parquet = DatasetFiles.writeParquet(DATA, dir.resolve("pq/data.parquet"));
    }

    static JsonNode scan(String input, Path out, String baseline, Map<String, String> overrides) throws Exception {
        Config c = Config.defaults().with("scan.parallelism", "2").with("scan.id-column", "id").withAll(overrides);
        return new ScanJob(ScanOptions.of(input, out.toString(), baseline, c), CLOCK, new Configuration()).run();
    }

    static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            if (!l.isBlank()) {
                out.add(Json.read(l));
            }
        }
        return out;
    }

    static Set<String> flagged(List<JsonNode> findings) {
        Set<String> s = new TreeSet<>();
        for (JsonNode f : findings) {
            s.add(f.get("detector").asText() + "@" + f.get("row_id").asText());
        }
        return s;
    }

    @Test
    void csvScanWritesEveryOutputWithTheContractFields() throws Exception {
        Path out = dir.resolve("out-csv");
        JsonNode summary = scan(csv.toString(), out, null, Map.of());

        assertThat(out.resolve("findings.jsonl")).exists();
        assertThat(out.resolve("rejected.jsonl")).exists();
        assertThat(out.resolve("report.html")).content().contains(summary.get("scan_id").asText());
        assertThat(out.resolve("baseline/baseline.json")).exists();
        assertThat(out.resolve("baseline/fingerprints.bin")).exists();
        JsonNode onDisk = Json.read(Files.readString(out.resolve("summary.json")));
        assertThat(onDisk.get("rows").get("accepted").asLong()).isEqualTo(6_000);
        assertThat(onDisk.get("fingerprint").get("sha256").asText()).hasSize(64);
        assertThat(onDisk.get("fingerprint").get("columns").asInt()).isEqualTo(10);
        assertThat(out.resolve("report.html")).content().doesNotContain("<th class=\"num\">missing</th>"); // nothing was missing

        List<JsonNode> findings = lines(out.resolve("findings.jsonl"));
        assertThat(findings).hasSize(onDisk.get("findings").get("total").asInt()).isNotEmpty();
        for (JsonNode f : findings) {
            assertThat(f.fieldNames()).toIterable().contains("finding_id", "scan_id", "row_id", "row_index", "detector", "threat", "kind", "stride", "score", "risk_score", "priority", "evidence");
            assertThat(f.get("score").asDouble()).isBetween(0.0, 1.0);
            assertThat(f.get("evidence").isObject()).isTrue();
        }
        // The injected duplicates and the trigger are found on the real pipeline.
        Set<String> dupRows = new TreeSet<>();
        for (JsonNode f : findings) {
            if (f.get("kind").asText().equals("DUPLICATE")) {
                dupRows.add(f.get("row_id").asText());
            }
        }
        for (long i : DATA.indexesOf(PoisonedDataset.Poison.DUPLICATE)) {
            assertThat(dupRows).contains("r-" + i);
        }
        assertThat(onDisk.get("findings").get("by_kind").get("BACKDOOR").asLong()).isGreaterThan(0);
    }

    /** Row indexes with a DUPLICATE finding, checking each one's match. */
    static Set<Long> duplicateRows(List<JsonNode> findings, String match) {
        Set<Long> rows = new TreeSet<>();
        for (JsonNode f : findings) {
            if (f.get("kind").asText().equals("DUPLICATE")) {
                assertThat(f.get("evidence").get("match").asText()).isEqualTo(match);
                assertThat(rows.add(f.get("row_index").asLong())).as("one DUPLICATE finding per row").isTrue();
            }
        }
        return rows;
    }

    /** detector@row -> evidence of the duplicate grouping's findings (the scan id, so the finding id, names the parallelism). */
    static Map<String, String> duplicateEvidence(List<JsonNode> findings) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode f : findings) {
            if (f.get("detector").asText().startsWith("duplicate_")) {
                out.put(f.get("detector").asText() + "@" + f.get("row_index").asLong(), f.get("evidence").toString());
            }
        }
        return out;
    }

    @Test
    void copiesJitteredWithinTheRadiusAreFlaggedAndRadiusZeroFindsExactCopiesOnly() throws Exception {
        PoisonedDataset exact = PoisonedDataset.poisoned(17, 6_000, 20, new PoisonedDataset.Rates(0, 0, 0.02, 0));
        // About 0.0035 z-units root mean square from their sources: a third of the default radius.
        PoisonedDataset jittered = exact.withDuplicateJitter(0.005);
        List<Long> injected = exact.indexesOf(PoisonedDataset.Poison.DUPLICATE);
        Set<Long> copiesAndSources = new TreeSet<>(injected);
        injected.forEach(i -> copiesAndSources.add(exact.source(i)));
        Path jitteredCsv = DatasetFiles.writeCsv(jittered, dir.resolve("jittered.csv"));

        List<JsonNode> nearFindings = lines(scanTo("jittered-out", jitteredCsv.toString()));
        Set<Long> near = duplicateRows(nearFindings, "near");
        assertThat(near).containsAll(injected);
        assertThat(copiesAndSources).containsAll(near);
        // Groups do not depend on which task read which row: one task gives the same findings, evidence and all.
        Path serial = dir.resolve("jittered-serial-out");
        scan(jitteredCsv.toString(), serial, null, Map.of("scan.parallelism", "1"));
        assertThat(duplicateEvidence(lines(serial.resolve("findings.jsonl")))).isEqualTo(duplicateEvidence(nearFindings)).isNotEmpty();

        Path exactOnly = dir.resolve("jittered-exact-out");
        scan(jitteredCsv.toString(), exactOnly, null, Map.of("scan.detectors.duplicates.radius", "0"));
        assertThat(duplicateRows(lines(exactOnly.resolve("findings.jsonl")), "exact")).isEmpty();

        Path exactCsv = DatasetFiles.writeCsv(exact, dir.resolve("exact.csv"));
        Path exactOut = dir.resolve("exact-out");
        JsonNode summary = scan(exactCsv.toString(), exactOut, null, Map.of("scan.detectors.duplicates.radius", "0"));
        assertThat(duplicateRows(lines(exactOut.resolve("findings.jsonl")), "exact")).isEqualTo(copiesAndSources);
        assertThat(summary.get("detectors").get("duplicate_hash").get("parameters").get("key_directions").asInt()).isZero();
    }

    @Test
    void parquetAndCsvOfTheSameDataGiveTheSameFindings() throws Exception {
        List<JsonNode> fromCsv = lines(scanTo("same-csv", csv.toString()));
        List<JsonNode> fromParquet = lines(scanTo("same-pq", parquet.getParent().toString()));
        assertThat(flagged(fromParquet)).isNotEmpty().isEqualTo(flagged(fromCsv));
    }

    /**
     * The benchmark's shape in small: more than ten features (so a reader that ordered columns by name,
     * f0, f1, f10, f11, f2, ..., would shift them) and a folder of two Parquet files against one CSV of
     * the same rows. Same accepted rows, same flagged rows per detector, same scores.
     */
    @Test
    void parquetFolderWithManyFeaturesGivesTheSameFindingsAsCsv() throws Exception {
        PoisonedDataset wide = PoisonedDataset.poisoned(13, 3_000, 12, new PoisonedDataset.Rates(0.01, 0.05, 0.01, 0.02));
        Path wideCsv = DatasetFiles.writeCsv(wide, dir.resolve("wide.csv"));
        DatasetFiles.writeParquet(wide, dir.resolve("wide-pq/part-0.parquet"), 0, 1_500);
        DatasetFiles.writeParquet(wide, dir.resolve("wide-pq/part-1.parquet"), 1_500, 3_000);
        Path csvOut = dir.resolve("wide-csv-out");
        Path pqOut = dir.resolve("wide-pq-out");
        JsonNode fromCsv = scan(wideCsv.toString(), csvOut, null, Map.of());
        JsonNode fromParquet = scan(dir.resolve("wide-pq").toString(), pqOut, null, Map.of());
        assertThat(fromParquet.get("rows").get("accepted").asLong()).isEqualTo(fromCsv.get("rows").get("accepted").asLong()).isEqualTo(3_000);
        assertThat(scores(lines(pqOut.resolve("findings.jsonl")))).isNotEmpty().isEqualTo(scores(lines(csvOut.resolve("findings.jsonl"))));
    }

    /** detector@row_id -> score (rounded to 9 digits: per-task profiles merge in arrival order). */
    static Map<String, String> scores(List<JsonNode> findings) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode f : findings) {
            out.put(f.get("detector").asText() + "@" + f.get("row_id").asText(), String.format(java.util.Locale.ROOT, "%.9f", f.get("score").asDouble()));
        }
        return out;
    }

    /**
     * Without an id column the Parquet file's string id is a column the scan skips, between the
     * columns it reads (id, f0..fn, label): a reader that mapped fields by position would shift every
     * feature. Rows are then identified by position, the same in both formats.
     */
    @Test
    void parquetWithAnUnreadColumnGivesTheSameFindingsAsCsv() throws Exception {
        Map<String, String> noId = Map.of("scan.id-column", "");
        Path csvOut = dir.resolve("noid-csv");
        Path pqOut = dir.resolve("noid-pq");
        JsonNode fromCsv = scan(csv.toString(), csvOut, null, noId);
        JsonNode fromParquet = scan(parquet.toString(), pqOut, null, noId);
        assertThat(fromParquet.get("rows").get("rejected").asLong()).isZero();
        assertThat(fromParquet.get("rows").get("accepted").asLong()).isEqualTo(fromCsv.get("rows").get("accepted").asLong()).isEqualTo(DATA.rows());
        assertThat(flagged(lines(pqOut.resolve("findings.jsonl")))).isNotEmpty().isEqualTo(flagged(lines(csvOut.resolve("findings.jsonl"))));
    }

    private Path scanTo(String name, String input) throws Exception {
        Path out = dir.resolve(name);
        scan(input, out, null, Map.of());
        return out.resolve("findings.jsonl");
    }

    @Test
    void malformedRowsAreRejectedWithTheirReasonAndTheScanGoesOn() throws Exception {
        Path bad = dir.resolve("bad.csv");
        List<String> rows = new ArrayList<>(Files.readAllLines(csv).subList(0, 2001));
        rows.add(5, "r-x1,1,2,3");                                  // wrong column count
        rows.add(9, "r-x2,1,2,3,4,5,6,seven,8,0");                 // unparsable number
        rows.add(13, "r-x3,1,2,3,4,5,NaN,7,8,0");                  // NaN
        rows.add(17, "r-x4,1,2,3,4,5,6,7,8,");                     // missing label
        rows.add(21, "r-x5,1,2,,4,5,6,7,8,1");                     // missing value
        Files.write(bad, rows);
        Path out = dir.resolve("out-bad");
        JsonNode summary = scan(bad.toString(), out, null, Map.of());

        assertThat(summary.get("rows").get("rejected").asLong()).isEqualTo(5);
        assertThat(summary.get("rows").get("accepted").asLong()).isEqualTo(2_000);
        List<JsonNode> rejected = lines(out.resolve("rejected.jsonl"));
        Set<String> reasons = new TreeSet<>();
        for (JsonNode r : rejected) {
            reasons.add(r.get("reason").asText());
            assertThat(r.get("raw").asText()).startsWith("r-x");
            assertThat(r.get("file").asText()).isEqualTo("bad.csv");
        }
        assertThat(reasons).containsExactlyInAnyOrder("wrong column count", "unparsable number", "non-finite number", "missing label", "missing value");
        assertThat(summary.get("rows").get("rejected_by_reason").get("unparsable number").asLong()).isEqualTo(1);
    }

    @Test
    void quotedFieldsSpanningLinesAreOneRowAndAStrayQuoteCostsOneRow() throws Exception {
        // A text column: from row 200 on, every tenth note spans lines (LF, CR LF, commas, doubled quotes);
        // row 7's quote never closes, and no quote follows within the record limit.
        List<String> rows = Files.readAllLines(csv);
        StringBuilder sb = new StringBuilder(rows.get(0)).append(",note\n");
        for (int i = 1; i < rows.size(); i++) {
            String note = (i - 1) >= 200 && (i - 1) % 10 == 3 ? "\"first line\r\nsecond, with \"\"quotes\"\"\nthird\"" : (i - 1) == 7 ? "\"never closed" : "plain";
            sb.append(rows.get(i)).append(',').append(note).append('\n');
        }
        Path notes = dir.resolve("notes.csv");
        Files.writeString(notes, sb);
        Path out = dir.resolve("out-notes");
        Config c = Config.defaults().with("scan.parallelism", "2").with("scan.id-column", "id").with("scan.csv.max-record-bytes", "4096");
        Configuration flink = new Configuration();
        flink.setString(ScanJob.CSV_SPLIT_BYTES, "8192");
        JsonNode summary = new ScanJob(ScanOptions.of(notes.toString(), out.toString(), null, c), CLOCK, flink).run();

        assertThat(summary.get("rows").get("accepted").asLong()).isEqualTo(DATA.rows() - 1);
        assertThat(summary.get("rows").get("rejected_by_reason").get("unbalanced quote").asLong()).isEqualTo(1);
        List<JsonNode> rejected = lines(out.resolve("rejected.jsonl"));
        assertThat(rejected).hasSize(1);
        assertThat(rejected.get(0).get("row_index").asLong()).isEqualTo(7);
        assertThat(rejected.get(0).get("raw").asText()).startsWith(rows.get(8)).doesNotContain("\n");
        // Positions count records: every finding's row_index is its row's position in the file (ids are r-<position>).
        List<JsonNode> findings = lines(out.resolve("findings.jsonl"));
        assertThat(findings).isNotEmpty();
        for (JsonNode f : findings) {
            if (!f.get("row_id").isNull()) {
                assertThat(f.get("row_index").asLong()).as(f.toString()).isEqualTo(position(rows, f.get("row_id").asText()));
            }
        }
    }

    /** The 0-based data-row position of the row with this id in the CSV lines (header first). */
    private static long position(List<String> csvLines, String id) {
        for (int i = 1; i < csvLines.size(); i++) {
            if (csvLines.get(i).startsWith(id + ",")) {
                return i - 1;
            }
        }
        throw new AssertionError("no row " + id);
    }

    @Test
    void missingValuesAreImputedAndTheirRowsStillScoredOrRejectedByDefault() throws Exception {
        // 3% of the feature cells blanked (empty, NA, NaN, null), seeded; outliers among them are still found.
        List<String> lines = Files.readAllLines(csv);
        String[] tokens = {"", "NA", "NaN", "null"};
        java.util.Random rnd = new java.util.Random(3);
        long[] blanked = new long[DATA.features()];
        Map<Long, Set<String>> missingByRow = new java.util.HashMap<>();
        StringBuilder sb = new StringBuilder(lines.get(0)).append('\n');
        for (int i = 1; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",", -1);
            for (int j = 0; j < DATA.features(); j++) {
                if (rnd.nextInt(100) < 3) {
                    cells[1 + j] = tokens[rnd.nextInt(tokens.length)];
                    blanked[j]++;
                    missingByRow.computeIfAbsent((long) i - 1, k -> new TreeSet<>()).add(DATA.featureNames()[j]);
                }
            }
            sb.append(String.join(",", cells)).append('\n');
        }
        Path holes = dir.resolve("holes.csv");
        Files.writeString(holes, sb);

        JsonNode rejecting = scan(holes.toString(), dir.resolve("out-holes-reject"), null, Map.of());
        assertThat(rejecting.get("rows").get("rejected").asLong()).isEqualTo(missingByRow.size());

        Path out = dir.resolve("out-holes");
        JsonNode summary = scan(holes.toString(), out, null, Map.of("scan.missing-values", "impute"));
        assertThat(summary.get("rows").get("accepted").asLong()).isEqualTo(DATA.rows());
        assertThat(summary.get("rows").get("rejected").asLong()).isZero();
        Map<String, Double> medians = new java.util.HashMap<>();
        for (int j = 0; j < DATA.features(); j++) {
            JsonNode f = summary.get("features").get(j);
            assertThat(f.get("missing").asLong()).isEqualTo(blanked[j]);
            medians.put(f.get("name").asText(), f.get("p50").asDouble());
        }
        List<JsonNode> findings = lines(out.resolve("findings.jsonl"));
        Set<Long> forest = new TreeSet<>();
        for (JsonNode f : findings) {
            if (f.get("row_id").isNull()) {
                continue;
            }
            long row = f.get("row_index").asLong();
            Set<String> expected = missingByRow.getOrDefault(row, Set.of());
            JsonNode imputed = f.get("evidence").get("imputed");
            Set<String> named = new TreeSet<>();
            if (imputed != null) {
                imputed.fields().forEachRemaining(e -> {
                    named.add(e.getKey());
                    assertThat(e.getValue().asDouble()).isEqualTo(medians.get(e.getKey()), org.assertj.core.data.Offset.offset(1e-6));
                });
            }
            assertThat(named).as("row %d", row).isEqualTo(expected);
            if (f.get("detector").asText().equals("isolation_forest")) {
                forest.add(row);
            }
        }
        List<Long> outliersWithHoles = new ArrayList<>();
        for (long i : DATA.indexesOf(PoisonedDataset.Poison.OUTLIER)) {
            if (missingByRow.containsKey(i)) {
                outliersWithHoles.add(i);
            }
        }
        assertThat(out.resolve("report.html")).content().contains("<th class=\"num\">missing</th>");
        // 3% blanked is within the default 5% allowed: no missing-value finding; with 2% allowed, one per feature.
        assertThat(findings).noneMatch(f -> f.get("finding_id") != null && f.path("evidence").path("constraint").asText().equals("missing_values"));
        JsonNode strict = scan(holes.toString(), dir.resolve("out-holes-strict"), null,
                Map.of("scan.missing-values", "impute", "scan.detectors.schema.max-missing-share", "0.02"));
        assertThat(lines(dir.resolve("out-holes-strict/findings.jsonl"))).filteredOn(f -> f.path("evidence").path("constraint").asText().equals("missing_values"))
                .extracting(f -> f.path("evidence").path("column").asText()).containsExactlyInAnyOrder(DATA.featureNames());
        assertThat(strict.get("findings").get("by_kind").get("SCHEMA").asLong()).isEqualTo(DATA.features());
        assertThat(outliersWithHoles).hasSizeGreaterThan(5);
        // An outlier's extreme value may be the one blanked: most, not all, stay outliers.
        long found = outliersWithHoles.stream().filter(forest::contains).count();
        assertThat((double) found / outliersWithHoles.size()).isGreaterThanOrEqualTo(0.8);
    }

    @Test
    void parquetNullsAreMissingValues() throws Exception {
        // Nullable feature columns, 2% nulls (seeded): rejected as missing values by default, imputed on request.
        org.apache.avro.SchemaBuilder.FieldAssembler<org.apache.avro.Schema> fields =
                org.apache.avro.SchemaBuilder.record("row").fields().requiredString("id");
        for (String n : DATA.featureNames()) {
            fields = fields.optionalDouble(n);
        }
        org.apache.avro.Schema schema = fields.requiredString("label").endRecord();
        Path file = dir.resolve("nulls/data.parquet");
        Files.createDirectories(file.getParent());
        java.util.Random rnd = new java.util.Random(4);
        long[] nulls = new long[DATA.features()];
        long rowsWithNulls = 0;
        try (org.apache.parquet.hadoop.ParquetWriter<org.apache.avro.generic.GenericRecord> w = org.apache.parquet.avro.AvroParquetWriter
                .<org.apache.avro.generic.GenericRecord>builder(new org.apache.parquet.io.LocalOutputFile(file)).withSchema(schema).build()) {
            for (long i = 0; i < DATA.rows(); i++) {
                io.modelwarden.model.TrainingRow r = DATA.row(i);
                org.apache.avro.generic.GenericRecord g = new org.apache.avro.generic.GenericData.Record(schema);
                g.put("id", r.rowId);
                boolean any = false;
                for (int j = 0; j < DATA.features(); j++) {
                    boolean isNull = rnd.nextInt(50) == 0;
                    g.put(DATA.featureNames()[j], isNull ? null : r.features[j]);
                    nulls[j] += isNull ? 1 : 0;
                    any |= isNull;
                }
                rowsWithNulls += any ? 1 : 0;
                g.put("label", r.label);
                w.write(g);
            }
        }
        JsonNode rejecting = scan(file.getParent().toString(), dir.resolve("out-nulls-reject"), null, Map.of());
        assertThat(rejecting.get("rows").get("rejected_by_reason").get("missing value").asLong()).isEqualTo(rowsWithNulls);
        JsonNode imputing = scan(file.getParent().toString(), dir.resolve("out-nulls"), null, Map.of("scan.missing-values", "impute"));
        assertThat(imputing.get("rows").get("accepted").asLong()).as(imputing.get("rows").toString()).isEqualTo(DATA.rows());
        for (int j = 0; j < DATA.features(); j++) {
            assertThat(imputing.get("features").get(j).get("missing").asLong()).isEqualTo(nulls[j]).isPositive();
        }
    }

    @Test
    void gzipCompressedCsvGivesTheSameFindings() throws Exception {
        // One compressed file, and a folder of two compressed parts (positional ids name the part).
        Path gz = gzip(Files.readAllBytes(csv), dir.resolve("gz/data.csv.gz"));
        List<String> all = Files.readAllLines(csv);
        Path parts = dir.resolve("gz-parts");
        gzip((String.join("\n", all.subList(0, 3001)) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8), parts.resolve("a.csv.gz"));
        List<String> second = new ArrayList<>(List.of(all.get(0)));
        second.addAll(all.subList(3001, all.size()));
        gzip(String.join("\r\n", second).getBytes(java.nio.charset.StandardCharsets.UTF_8), parts.resolve("b.csv.gz"));

        Set<String> plain = flagged(lines(scanTo("gz-plain", csv.toString())));
        JsonNode one = scan(gz.toString(), dir.resolve("out-gz"), null, Map.of());
        assertThat(one.get("rows").get("accepted").asLong()).isEqualTo(DATA.rows());
        assertThat(flagged(lines(dir.resolve("out-gz/findings.jsonl")))).isNotEmpty().isEqualTo(plain);

        JsonNode folder = scan(parts.toString(), dir.resolve("out-gz-parts"), null, Map.of("scan.id-column", ""));
        assertThat(folder.get("rows").get("accepted").asLong()).isEqualTo(DATA.rows());
        for (JsonNode f : lines(dir.resolve("out-gz-parts/findings.jsonl"))) {
            if (!f.get("row_id").isNull()) {
                String id = f.get("row_id").asText();
                assertThat(id).matches("[ab]\\.csv\\.gz:\\d+");
                assertThat(f.get("row_index").asLong()).isEqualTo(Long.parseLong(id.substring(id.indexOf(':') + 1)));
            }
        }
    }

    private static Path gzip(byte[] bytes, Path file) throws Exception {
        Files.createDirectories(file.getParent());
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes);
        }
        return file;
    }

    @Test
    void aFolderOfFilesIsOneDatasetWithFileQualifiedRowIds() throws Exception {
        Path folder = dir.resolve("parts");
        Files.createDirectories(folder);
        List<String> all = Files.readAllLines(csv);
        Files.write(folder.resolve("a.csv"), all.subList(0, 3001));
        List<String> second = new ArrayList<>();
        second.add(all.get(0));
        second.addAll(all.subList(3001, all.size()));
        Files.write(folder.resolve("b.csv"), second);
        Path out = dir.resolve("out-parts");
        JsonNode summary = scan(folder.toString(), out, null, Map.of("scan.id-column", ""));

        assertThat(summary.get("input").get("files")).hasSize(2);
        assertThat(summary.get("rows").get("accepted").asLong()).isEqualTo(6_000);
        List<JsonNode> findings = lines(out.resolve("findings.jsonl"));
        assertThat(findings).isNotEmpty();
        for (JsonNode f : findings) {
            if (!f.get("row_id").isNull()) {
                assertThat(f.get("row_id").asText()).matches("[ab]\\.csv:\\d+");
            }
        }
    }

    @Test
    void rerunningTheSameScanGivesTheSameFindingIds() throws Exception {
        List<JsonNode> first = lines(scanTo("rerun-1", csv.toString()));
        List<JsonNode> second = lines(scanTo("rerun-2", csv.toString()));
        Set<String> a = new TreeSet<>();
        Set<String> b = new TreeSet<>();
        first.forEach(f -> a.add(f.get("finding_id").asText()));
        second.forEach(f -> b.add(f.get("finding_id").asText()));
        assertThat(a).isNotEmpty().isEqualTo(b);
    }

    @Test
    void driftIsFoundAgainstTheBaselineOfATrustedScanAndNotOnACleanSplit() throws Exception {
        PoisonedDataset trusted = PoisonedDataset.clean(21, 6_000, 8);
        Path base = dir.resolve("trusted");
        scan(DatasetFiles.writeCsv(trusted, dir.resolve("trusted.csv")).toString(), base, null, Map.of());
        String baseline = base.resolve("baseline").toString();

        JsonNode clean = scan(DatasetFiles.writeCsv(trusted.resampled(99), dir.resolve("split.csv")).toString(), dir.resolve("out-split"), baseline, Map.of());
        assertThat(clean.get("findings").get("by_kind").has("DRIFT")).isFalse();
        assertThat(clean.get("drift").get("features")).hasSize(8);

        PoisonedDataset moved = PoisonedDataset.clean(21, 6_000, 8).shifted(0.6, 0.5, 7);
        JsonNode shifted = scan(DatasetFiles.writeCsv(moved, dir.resolve("shifted.csv")).toString(), dir.resolve("out-shift"), baseline, Map.of());
        assertThat(shifted.get("findings").get("by_kind").get("DRIFT").asLong()).isGreaterThan(0);
        assertThat(shifted.get("drift").get("dataset_drifted").asBoolean()).isTrue();
    }

    /**
     * B3's expected rate: a trusted dataset whose rows have copies of their own (2%, mostly pairs) is
     * the baseline. Against it a clean split flags no pair and no rate, while a batch with 2% more
     * copies gets the dataset-level duplicate_rate finding; groups improbable under the baseline (three
     * or more copies) are still flagged row by row.
     */
    @Test
    void againstABaselineWithCopiesOfItsOwnOnlyImprobableGroupsAndAnExcessOfCopiesAreFlagged() throws Exception {
        PoisonedDataset trusted = PoisonedDataset.poisoned(23, 20_000, 8, new PoisonedDataset.Rates(0, 0, 0.02, 0));
        Path base = dir.resolve("copies-trusted");
        JsonNode t = scan(DatasetFiles.writeCsv(trusted, dir.resolve("copies-trusted.csv")).toString(), base, null, Map.of());
        int copies = trusted.indexesOf(PoisonedDataset.Poison.DUPLICATE).size();
        JsonNode rate = t.get("detectors").get("duplicate_hash").get("rate");
        // Every injected row is an extra copy; near rows the generator made by chance may add a few.
        assertThat(rate.get("extra_copies").asLong()).isBetween((long) copies, copies + copies / 100L);
        assertThat(rate.get("min_flagged_copies").asLong()).isEqualTo(2); // no baseline: every pair
        JsonNode entry = Json.read(Files.readString(base.resolve("baseline/baseline.json"))).get("detectors").get("duplicate_hash");
        assertThat(entry.get("extra_copies").asLong()).isEqualTo(rate.get("extra_copies").asLong());
        assertThat(entry.get("rows").asLong()).isEqualTo(20_000);
        String baseline = base.resolve("baseline").toString();

        Path splitOut = dir.resolve("copies-split");
        JsonNode split = scan(DatasetFiles.writeCsv(trusted.resampled(5), dir.resolve("copies-split.csv")).toString(), splitOut, baseline, Map.of());
        assertThat(split.get("detectors").get("duplicate_hash").get("rate").get("min_flagged_copies").asLong()).isEqualTo(3);
        assertThat(split.get("findings").get("by_detector").has(DuplicateRate.ID)).isFalse();
        List<JsonNode> splitFindings = lines(splitOut.resolve("findings.jsonl"));
        for (JsonNode f : splitFindings) {
            if (f.get("detector").asText().equals("duplicate_hash")) {
                assertThat(f.get("evidence").get("copies").asLong()).isGreaterThanOrEqualTo(3);
                assertThat(f.get("evidence").get("p_value").asDouble()).isLessThan(1e-3);
            }
        }
        // Without the baseline the same split flags its pairs.
        JsonNode alone = scan(dir.resolve("copies-split.csv").toString(), dir.resolve("copies-split-alone"), null, Map.of());
        assertThat(alone.get("findings").get("by_detector").get("duplicate_hash").asLong())
                .isGreaterThan(split.get("findings").get("by_detector").path("duplicate_hash").asLong() + copies);

        PoisonedDataset more = PoisonedDataset.poisoned(23, 20_000, 8, new PoisonedDataset.Rates(0, 0, 0.04, 0)).resampled(6);
        Path moreOut = dir.resolve("copies-more");
        JsonNode injected = scan(DatasetFiles.writeCsv(more, dir.resolve("copies-more.csv")).toString(), moreOut, baseline, Map.of());
        assertThat(injected.get("findings").get("by_detector").get(DuplicateRate.ID).asLong()).isEqualTo(1);
        JsonNode finding = lines(moreOut.resolve("findings.jsonl")).stream()
                .filter(f -> f.get("detector").asText().equals(DuplicateRate.ID)).findFirst().orElseThrow();
        assertThat(finding.get("kind").asText()).isEqualTo("DUPLICATE");
        assertThat(finding.get("row_id").isNull()).isTrue();
        assertThat(finding.get("evidence").get("excess_share").asDouble()).isBetween(0.015, 0.025);
        assertThat(finding.get("evidence").get("baseline_radius").asDouble()).isEqualTo(entry.get("radius").asDouble()).isPositive();
        assertThat(finding.get("evidence").get("p_value").asDouble()).isLessThan(1e-3);
    }

    /**
     * Overlapping classes (4 features of the generator): confident learning alone flags a large share
     * of clean rows, the trigger rule the discrete feature's class-pure values. Against a trusted scan's
     * baseline, a clean split flags almost no label flip, no label_noise and no trigger; a batch with 5%
     * of its labels flipped gets the label_noise finding.
     */
    @Test
    void againstABaselineLabelNoiseIsJudgedBeyondTheClassesOwnOverlap() throws Exception {
        // A full reference sample (20,000 rows): smaller samples' estimates vary more between clean splits.
        PoisonedDataset trusted = PoisonedDataset.clean(7, 20_000, 4);
        Path base = dir.resolve("overlap-trusted");
        scan(DatasetFiles.writeCsv(trusted, dir.resolve("overlap-trusted.csv")).toString(), base, null, Map.of());
        String baseline = base.resolve("baseline").toString();
        assertThat(Json.read(Files.readString(base.resolve("baseline/baseline.json"))).get("detectors").get("knn_label").get("noise_rates").size()).isEqualTo(3);

        Path splitCsv = DatasetFiles.writeCsv(trusted.resampled(8), dir.resolve("overlap-split.csv"));
        JsonNode alone = scan(splitCsv.toString(), dir.resolve("overlap-split-alone"), null, Map.of());
        JsonNode against = scan(splitCsv.toString(), dir.resolve("overlap-split"), baseline, Map.of());
        assertThat(alone.get("findings").get("by_detector").get("knn_label").asLong()).isGreaterThan(2_000);
        assertThat(against.get("findings").get("by_detector").path("knn_label").asLong()).isLessThan(40);
        assertThat(against.get("findings").get("by_detector").has("label_noise")).isFalse();
        // The discrete feature's values that imply a class here are rules the baseline knew: no trigger.
        assertThat(alone.get("findings").get("by_detector").path("trigger_rule").asLong()).isPositive();
        assertThat(against.get("findings").get("by_detector").has("trigger_rule")).isFalse();
        assertThat(against.get("detectors").get("trigger_rule").get("parameters").get("known_triggers")).isNotEmpty();

        PoisonedDataset flipped = PoisonedDataset.poisoned(7, 20_000, 4, new PoisonedDataset.Rates(0, 0.05, 0, 0)).resampled(9);
        Path flippedOut = dir.resolve("overlap-flipped");
        JsonNode poisoned = scan(DatasetFiles.writeCsv(flipped, dir.resolve("overlap-flipped.csv")).toString(), flippedOut, baseline, Map.of());
        assertThat(poisoned.get("findings").get("by_detector").get("label_noise").asLong()).isEqualTo(1);
        JsonNode noise = lines(flippedOut.resolve("findings.jsonl")).stream()
                .filter(f -> f.get("detector").asText().equals("label_noise")).findFirst().orElseThrow();
        assertThat(noise.get("kind").asText()).isEqualTo("LABEL_FLIP");
        assertThat(noise.get("evidence").get("excess_share").asDouble()).isGreaterThan(0.02);
        assertThat(noise.get("evidence").get("pairs")).isNotEmpty();
    }

    /** A cluster of 5% poison rows: the scan's own forest flags about 1% of the rows, the baseline's forest the rest of the cluster. */
    @Test
    void againstABaselineTheTrustedForestFindsAClusterOfPoison() throws Exception {
        PoisonedDataset trusted = PoisonedDataset.clean(7, 20_000, 8);
        Path base = dir.resolve("forest-trusted");
        JsonNode t = scan(DatasetFiles.writeCsv(trusted, dir.resolve("forest-trusted.csv")).toString(), base, null, Map.of());
        assertThat(t.get("detectors").has("baseline_forest")).isFalse();

        PoisonedDataset clustered = PoisonedDataset.poisoned(7, 20_000, 8, new PoisonedDataset.Rates(0.05, 0, 0, 0)).resampled(5).withOutlierCluster();
        Path out = dir.resolve("forest-clustered");
        JsonNode summary = scan(DatasetFiles.writeCsv(clustered, dir.resolve("forest-clustered.csv")).toString(), out, base.resolve("baseline").toString(), Map.of());
        assertThat(summary.get("detectors").get("baseline_forest").get("parameters").get("baseline_scan_id").asText()).isEqualTo(t.get("scan_id").asText());
        Set<Long> cluster = new TreeSet<>(clustered.indexesOf(PoisonedDataset.Poison.OUTLIER));
        Set<Long> byOwn = new TreeSet<>();
        Set<Long> byTrusted = new TreeSet<>();
        for (JsonNode f : lines(out.resolve("findings.jsonl"))) {
            switch (f.get("detector").asText()) {
                case "isolation_forest" -> byOwn.add(f.get("row_index").asLong());
                case "baseline_forest" -> byTrusted.add(f.get("row_index").asLong());
                default -> { }
            }
        }
        assertThat(byOwn.stream().filter(cluster::contains).count()).isLessThan(cluster.size() / 2);
        assertThat(byTrusted).doesNotContainAnyElementsOf(byOwn); // one OUTLIER finding per row
        Set<Long> either = new TreeSet<>(byOwn);
        either.addAll(byTrusted);
        assertThat(either.stream().filter(cluster::contains).count()).isGreaterThanOrEqualTo((long) (0.95 * cluster.size()));

        // Off by its key.
        JsonNode off = scan(dir.resolve("forest-clustered.csv").toString(), dir.resolve("forest-clustered-off"), base.resolve("baseline").toString(),
                Map.of("scan.detectors.isolation-forest.against-baseline", "false"));
        assertThat(off.get("detectors").has("baseline_forest")).isFalse();
    }

    @Test
    void csvReadInManySplitsGivesExactlyTheFindingsAndRejectedRowsOfOneReaderPerFile() throws Exception {
        // A folder (file-qualified positional row ids) with malformed rows, and the single file with its id column.
        Path folder = dir.resolve("split-parts");
        Files.createDirectories(folder);
        List<String> all = Files.readAllLines(csv);
        List<String> first = new ArrayList<>(all.subList(0, 3001));
        first.add(700, "r-x1,1,2,3");
        first.add(1900, "r-x2,1,2,3,4,5,6,seven,8,0");
        Files.write(folder.resolve("a.csv"), first);
        List<String> second = new ArrayList<>();
        second.add(all.get(0));
        second.addAll(all.subList(3001, all.size()));
        second.add(2500, "r-x3,1,2,,4,5,6,7,8,1");
        Files.write(folder.resolve("b.csv"), String.join("\r\n", second).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (String[] input : new String[][] {{folder.toString(), ""}, {csv.toString(), "id"}}) {
            Map<String, String> overrides = Map.of("scan.id-column", input[1]);
            String name = input[1].isEmpty() ? "folder" : "file";
            Path off = dir.resolve("splits-off-" + name);
            Path one = dir.resolve("splits-one-" + name);
            Path many = dir.resolve("splits-many-" + name);
            JsonNode a = scan(input[0], off, overrides, "off");
            JsonNode b = scan(input[0], one, overrides, String.valueOf(Long.MAX_VALUE / 4));
            JsonNode c = scan(input[0], many, overrides, "4096");
            for (JsonNode s : List.of(b, c)) {
                assertThat(s.get("scan_id")).isEqualTo(a.get("scan_id"));
                assertThat(s.get("rows")).isEqualTo(a.get("rows"));
                assertThat(s.get("findings")).isEqualTo(a.get("findings"));
            }
            Set<String> findings = identities(off.resolve("findings.jsonl"));
            assertThat(findings).isNotEmpty();
            assertThat(identities(one.resolve("findings.jsonl"))).isEqualTo(findings);
            assertThat(identities(many.resolve("findings.jsonl"))).isEqualTo(findings);
            Set<String> rejected = new TreeSet<>(Files.readAllLines(off.resolve("rejected.jsonl")));
            assertThat(new TreeSet<>(Files.readAllLines(many.resolve("rejected.jsonl")))).isEqualTo(rejected);
            if (input[1].isEmpty()) {
                assertThat(rejected).hasSize(3);
            }
        }
    }

    static JsonNode scan(String input, Path out, Map<String, String> overrides, String splitBytes) throws Exception {
        Config c = Config.defaults().with("scan.parallelism", "2").with("scan.id-column", "id").withAll(overrides);
        Configuration flink = new Configuration();
        flink.setString(ScanJob.CSV_SPLIT_BYTES, splitBytes);
        return new ScanJob(ScanOptions.of(input, out.toString(), null, c), CLOCK, flink).run();
    }

    static Set<String> identities(Path findings) throws Exception {
        Set<String> s = new TreeSet<>();
        for (JsonNode f : lines(findings)) {
            s.add(f.get("finding_id").asText() + " " + f.get("detector").asText() + " " + f.get("row_id") + " " + f.get("row_index") + " " + f.get("kind").asText());
        }
        return s;
    }

    /**
     * Writes the dataset with category columns: colour (6 values, weights {@code colourWeights}),
     * region (30 values, uniform; {@code injected} of every 100 rows get "zz-injected"), a date column
     * and a free-text note; 2% of regions are blank. CSV, or Parquet with the same values.
     */
    private static Path writeWithCategories(PoisonedDataset data, Path file, double[] colourWeights, int injected, long seed) throws Exception {
        Files.createDirectories(file.getParent());
        java.util.Random r = new java.util.Random(seed);
        String[] colours = {"red", "green", "blue", "black", "white", "grey"};
        double total = java.util.Arrays.stream(colourWeights).sum();
        boolean parquet = file.toString().endsWith(".parquet");
        org.apache.avro.SchemaBuilder.FieldAssembler<org.apache.avro.Schema> fields = org.apache.avro.SchemaBuilder.record("row").fields().requiredString("id");
        for (String n : data.featureNames()) {
            fields = fields.requiredDouble(n);
        }
        org.apache.avro.Schema schema = fields.requiredString("label").requiredString("colour").optionalString("region").requiredString("day")
                .requiredString("note").endRecord();
        List<String> csv = new ArrayList<>(List.of("id," + String.join(",", data.featureNames()) + ",label,colour,region,day,note"));
        try (org.apache.parquet.hadoop.ParquetWriter<org.apache.avro.generic.GenericRecord> w = parquet
                ? org.apache.parquet.avro.AvroParquetWriter.<org.apache.avro.generic.GenericRecord>builder(new org.apache.parquet.io.LocalOutputFile(file))
                        .withSchema(schema).build()
                : null) {
            for (long i = 0; i < data.rows(); i++) {
                io.modelwarden.model.TrainingRow row = data.row(i);
                double u = r.nextDouble() * total;
                int c = 0;
                while (c < colours.length - 1 && u >= colourWeights[c]) {
                    u -= colourWeights[c++];
                }
                String region = i % 100 < injected ? "zz-injected" : r.nextInt(50) == 0 ? null : String.format("r%02d", r.nextInt(30));
                String day = String.format("2026-11-%02d", 1 + i % 28);
                String note = "note " + r.nextLong();
                if (parquet) {
                    org.apache.avro.generic.GenericRecord g = new org.apache.avro.generic.GenericData.Record(schema);
                    g.put("id", row.rowId);
                    for (int j = 0; j < data.features(); j++) {
                        g.put(data.featureNames()[j], row.features[j]);
                    }
                    g.put("label", row.label);
                    g.put("colour", colours[c]);
                    g.put("region", region);
                    g.put("day", day);
                    g.put("note", note);
                    w.write(g);
                } else {
                    StringBuilder sb = new StringBuilder(row.rowId);
                    for (double v : row.features) {
                        sb.append(',').append(v);
                    }
                    csv.add(sb.append(',').append(row.label).append(',').append(colours[c]).append(',').append(region == null ? "" : region)
                            .append(',').append(day).append(',').append(note).toString());
                }
            }
        }
        if (!parquet) {
            Files.write(file, csv);
        }
        return file;
    }

    private static List<String> subjects(List<JsonNode> findings, String detector) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : findings) {
            if (f.get("detector").asText().equals(detector) && f.get("row_id").isNull()) {
                out.add(f.get("evidence").path("constraint").asText(f.get("evidence").path("statistic").asText()) + ":" + f.get("evidence").path("column").asText(""));
            }
        }
        java.util.Collections.sort(out);
        return out;
    }

    /**
     * String columns other than the label and the id are category columns: counted over every row,
     * written to the baseline and checked against it. A clean batch of the same data gets no category
     * finding; a batch with a new region on 1% of rows and colours in other shares gets the
     * new_categories finding, each injected row flagged by category_domain (and no other row), and
     * colour drift; the same batch as Parquet gets the same findings. Dates and free text are not
     * checked.
     */
    @Test
    void categoryColumnsAreCheckedAgainstTheBaseline() throws Exception {
        double[] shares = {30, 25, 20, 10, 10, 5};
        PoisonedDataset trusted = PoisonedDataset.clean(31, 6_000, 4);
        Path base = dir.resolve("cat-trusted");
        JsonNode t = scan(writeWithCategories(trusted, dir.resolve("cat-trusted.csv"), shares, 0, 1).toString(), base, null, Map.of());
        Map<String, JsonNode> categories = new java.util.HashMap<>();
        t.get("categories").forEach(c -> categories.put(c.get("name").asText(), c));
        assertThat(categories.keySet()).containsExactlyInAnyOrder("colour", "region", "note");
        assertThat(categories.get("colour").get("distinct").asInt()).isEqualTo(6);
        assertThat(categories.get("region").get("distinct").asInt()).isEqualTo(30);
        assertThat(categories.get("region").get("missing").asLong()).isPositive();
        assertThat(categories.get("note").get("free_text").asBoolean()).isTrue();
        JsonNode day = null;
        for (JsonNode c : t.get("fingerprint").get("schema")) {
            day = c.get("name").asText().equals("day") ? c : day;
        }
        assertThat(day.get("type").asText()).isEqualTo("TEMPORAL");
        assertThat(day.get("role").asText()).isEqualTo("ignored");
        String baseline = base.resolve("baseline").toString();

        JsonNode clean = scan(writeWithCategories(trusted.resampled(5), dir.resolve("cat-clean.csv"), shares, 0, 2).toString(), dir.resolve("out-cat-clean"),
                baseline, Map.of());
        List<JsonNode> cleanFindings = lines(dir.resolve("out-cat-clean").resolve(ScanJob.FINDINGS_FILE));
        assertThat(subjects(cleanFindings, "schema")).isEmpty();
        assertThat(subjects(cleanFindings, "drift")).isEmpty();
        assertThat(flagged(cleanFindings)).noneMatch(s -> s.startsWith("category_domain@"));
        assertThat(clean.get("drift").get("categories")).hasSize(3);
        JsonNode noteDrift = clean.get("drift").get("categories").get(2);
        assertThat(noteDrift.get("column").asText()).isEqualTo("note");
        assertThat(noteDrift.get("js_distance").isNull()).isTrue(); // free text: no verdict
        assertThat(noteDrift.get("reason").asText()).contains("free text");
        assertThat(clean.get("drift").get("categories").toString()).doesNotContain("\"drifted\":true");

        // A baseline written before category columns were profiled (its string columns ignored, no
        // category counts): no role change, no category check, and the scan still counts them.
        Path old = dir.resolve("cat-trusted-old/baseline");
        Files.createDirectories(old);
        JsonNode tree = Json.read(Files.readString(base.resolve("baseline/baseline.json")));
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree).remove("categories");
        for (JsonNode c : tree.get("schema").get("columns")) {
            if (c.get("role").asText().equals("CATEGORY")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) c).put("role", "IGNORED");
            }
        }
        Files.writeString(old.resolve("baseline.json"), tree.toString());
        Files.copy(base.resolve("baseline/fingerprints.bin"), old.resolve("fingerprints.bin"));
        JsonNode againstOld = scan(dir.resolve("cat-clean.csv").toString(), dir.resolve("out-cat-old"), old.toString(), Map.of());
        List<JsonNode> oldFindings = lines(dir.resolve("out-cat-old").resolve(ScanJob.FINDINGS_FILE));
        assertThat(subjects(oldFindings, "schema")).isEmpty();
        assertThat(flagged(oldFindings)).noneMatch(s -> s.startsWith("category_domain@"));
        assertThat(againstOld.get("drift").get("categories")).isEmpty();
        assertThat(againstOld.get("categories")).hasSize(3);

        double[] moved = {10, 25, 20, 10, 10, 25};
        Path poisonedCsv = writeWithCategories(trusted.resampled(6), dir.resolve("cat-poisoned.csv"), moved, 1, 3);
        Path poisonedParquet = writeWithCategories(trusted.resampled(6), dir.resolve("cat-poisoned-pq/data.parquet"), moved, 1, 3);
        Set<String> injected = new TreeSet<>();
        for (String line : Files.readAllLines(poisonedCsv)) {
            if (line.contains(",zz-injected,")) {
                injected.add("category_domain@" + line.substring(0, line.indexOf(',')));
            }
        }
        assertThat(injected).hasSize(60);
        // Parquet against a Parquet baseline of the same trusted rows (against the CSV one, its text label is a retyped column).
        Path parquetBase = dir.resolve("cat-trusted-pq");
        scan(writeWithCategories(trusted, dir.resolve("cat-trusted-pq-in/data.parquet"), shares, 0, 1).getParent().toString(), parquetBase, null, Map.of());
        Set<String> csvFlagged = null;
        for (Path input : List.of(poisonedCsv, poisonedParquet.getParent())) {
            Path out = dir.resolve("out-cat-" + input.getFileName());
            JsonNode summary = scan(input.toString(), out, (input == poisonedCsv ? base : parquetBase).resolve("baseline").toString(), Map.of());
            assertThat(summary.get("fingerprint").get("schema").toString()).as(input.toString())
                    .contains("{\"name\":\"day\",\"type\":\"TEMPORAL\",\"role\":\"ignored\"}");
            List<JsonNode> findings = lines(out.resolve(ScanJob.FINDINGS_FILE));
            assertThat(subjects(findings, "schema")).as(input.toString()).containsExactly("new_categories:region");
            assertThat(subjects(findings, "drift")).as(input.toString()).containsExactly("jensen_shannon_distance_debiased:colour");
            Set<String> rows = new TreeSet<>(flagged(findings));
            rows.removeIf(s -> !s.startsWith("category_domain@"));
            assertThat(rows).as(input.toString()).isEqualTo(injected);
            JsonNode finding = findings.stream().filter(f -> f.get("evidence").path("constraint").asText().equals("new_categories")).findFirst().orElseThrow();
            assertThat(finding.get("evidence").get("new_values").get("zz-injected").asLong()).isEqualTo(60);
            JsonNode drift = findings.stream().filter(f -> f.get("detector").asText().equals("drift")).findFirst().orElseThrow();
            assertThat(drift.get("evidence").get("largest_shifts").get(0).get("value").asText()).isIn("red", "grey");
            if (csvFlagged == null) {
                csvFlagged = rows;
            } else {
                assertThat(rows).isEqualTo(csvFlagged);
            }
        }
    }

    /**
     * Rows are copies only when their category values agree too: of 4,000 rows, 40 are copied with
     * the same colour and 40 with the same numbers but another colour (the same amounts at another
     * merchant). Only the first 40 pairs are DUPLICATE findings, and only their label conflicts.
     */
    @Test
    void copiesMustAgreeOnCategoryValues() throws Exception {
        PoisonedDataset data = PoisonedDataset.clean(41, 4_000, 6);
        List<String> csv = new ArrayList<>(List.of(csvHeader(data, "colour")));
        Set<String> copied = new TreeSet<>();
        for (long i = 0; i < data.rows(); i++) {
            io.modelwarden.model.TrainingRow r = data.row(i);
            String colour = "c" + (i % 7);
            csv.add(csvLine(r.rowId, r, r.label, colour));
            if (i < 80) {
                boolean same = i < 40;
                String label = i % 2 == 0 ? r.label : String.valueOf((Integer.parseInt(r.label) + 1) % 3);
                csv.add(csvLine("copy-" + i, r, label, same ? colour : "other"));
                if (same) {
                    copied.add(r.rowId);
                    copied.add("copy-" + i);
                }
            }
        }
        Path file = dir.resolve("copies-colour.csv");
        Files.write(file, csv);
        scan(file.toString(), dir.resolve("out-copies-colour"), null, Map.of());
        Set<String> duplicates = new TreeSet<>();
        Set<String> conflicts = new TreeSet<>();
        for (JsonNode f : lines(dir.resolve("out-copies-colour").resolve(ScanJob.FINDINGS_FILE))) {
            if (f.get("detector").asText().equals("duplicate_hash")) {
                duplicates.add(f.get("row_id").asText());
            } else if (f.get("detector").asText().equals("duplicate_label_conflict")) {
                conflicts.add(f.get("row_id").asText());
            }
        }
        assertThat(duplicates).isEqualTo(copied);
        assertThat(conflicts).isNotEmpty().isSubsetOf(copied);
    }

    /**
     * Copies under new ids are found when the id column is not named with --id-column (a text column
     * then) and when another text column holds a distinct reference per row: such columns identify rows
     * rather than group them, so copies need not agree on them. The colour, a true category, still
     * counts: 20 rows copied with their colour are flagged, 20 copied with another colour are not.
     */
    @Test
    void textColumnsThatIdentifyRowsAreNoPartOfACopy() throws Exception {
        PoisonedDataset data = PoisonedDataset.clean(43, 600, 6);
        List<String> csv = new ArrayList<>(List.of(csvHeader(data, "ref", "colour")));
        Set<String> copied = new TreeSet<>();
        for (long i = 0; i < data.rows(); i++) {
            io.modelwarden.model.TrainingRow r = data.row(i);
            String colour = "c" + (i % 5);
            csv.add(csvLine(r.rowId, r, r.label, "ref-" + i, colour));
            if (i < 40) {
                csv.add(csvLine("copy-" + i, r, r.label, "ref-copy-" + i, i < 20 ? colour : "other"));
                if (i < 20) {
                    copied.add(String.valueOf(i));
                    copied.add(String.valueOf(data.rows() + i));
                }
            }
        }
        // Findings name rows by their index in the file (the header not counted): each copy sits right
        // after its original.
        Set<String> expected = new TreeSet<>();
        long line = 0;
        for (long i = 0; i < data.rows(); i++) {
            if (copied.contains(String.valueOf(i))) {
                expected.add(String.valueOf(line));
                expected.add(String.valueOf(line + 1));
            }
            line += i < 40 ? 2 : 1;
        }
        Path file = dir.resolve("copies-new-ids.csv");
        Files.write(file, csv);
        JsonNode summary = scan(file.toString(), dir.resolve("out-copies-new-ids"), null, Map.of("scan.id-column", ""));
        Set<String> duplicates = new TreeSet<>();
        for (JsonNode f : lines(dir.resolve("out-copies-new-ids").resolve(ScanJob.FINDINGS_FILE))) {
            if (f.get("detector").asText().equals("duplicate_hash")) {
                duplicates.add(f.get("row_index").asText());
            }
        }
        assertThat(duplicates).isEqualTo(expected);
        // The id and ref columns are still counted as text columns (summary.json), only not in the copy key.
        Map<String, Boolean> identifying = new java.util.TreeMap<>();
        summary.get("categories").forEach(c -> identifying.put(c.get("name").asText(), c.get("identifying").asBoolean()));
        assertThat(identifying).containsEntry("id", true).containsEntry("ref", true).containsEntry("colour", false);
    }

    /**
     * A numeric column of row numbers that no --id-column named is a feature, and summary.json marks it
     * as identifier-like (whole numbers, no two alike in the sample); a whole-number count column, which
     * repeats, and the measured features are not marked.
     */
    @Test
    void aNumericIdColumnIsMarkedAsIdentifierLike() throws Exception {
        PoisonedDataset data = PoisonedDataset.clean(47, 600, 4);
        List<String> csv = new ArrayList<>(List.of(csvHeader(data, "num", "visits")));
        java.util.Random r = new java.util.Random(3);
        for (long i = 0; i < data.rows(); i++) {
            io.modelwarden.model.TrainingRow row = data.row(i);
            csv.add(csvLine(row.rowId, row, row.label, String.valueOf(1_000_000 + 7 * i), String.valueOf(r.nextInt(20))));
        }
        Path file = dir.resolve("numeric-id.csv");
        Files.write(file, csv);
        JsonNode summary = scan(file.toString(), dir.resolve("out-numeric-id"), null, Map.of());
        Set<String> marked = new TreeSet<>();
        Set<String> features = new TreeSet<>();
        summary.get("features").forEach(f -> {
            features.add(f.get("name").asText());
            if (f.path("identifier_like").asBoolean(false)) {
                marked.add(f.get("name").asText());
            }
        });
        assertThat(features).contains("num", "visits", data.featureNames()[0]);
        assertThat(marked).containsExactly("num");
    }

    /** The header of {@link #csvLine} rows: id, the features, label, then the given text columns. */
    private static String csvHeader(PoisonedDataset data, String... text) {
        return "id," + String.join(",", data.featureNames()) + ",label" + (text.length == 0 ? "" : "," + String.join(",", text));
    }

    /** A CSV line: the id, the row's features, the label, then the text cells. */
    private static String csvLine(String id, io.modelwarden.model.TrainingRow r, String label, String... text) {
        StringBuilder sb = new StringBuilder(id);
        for (double v : r.features) {
            sb.append(',').append(v);
        }
        sb.append(',').append(label);
        for (String cell : text) {
            sb.append(',').append(cell);
        }
        return sb.toString();
    }
}
