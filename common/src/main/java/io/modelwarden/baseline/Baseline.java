package io.modelwarden.baseline;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.modelwarden.config.ConfigException;
import io.modelwarden.detect.poisoning.DatasetStats;
import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.json.Json;
import io.modelwarden.stats.CategoryCounts;
import io.modelwarden.stats.RunningMoments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * The trusted reference a scan writes and later scans and the streaming monitor read: {@code
 * DIR/baseline.json} (this object, snake_case JSON) plus the optional side file {@code
 * DIR/fingerprints.bin} (the {@link TrainingFingerprints} Bloom filter).
 *
 * <p>Holds the schema, the row count and label counts, per feature the moments, 101 quantiles (from the deterministic row sample)
 * (0, 0.01, ..., 1) and the KLL sketch itself (base64 in JSON; drift uses exact sketch CDFs through
 * {@link #stats()}), per category column its value counts, and two free-form sections: {@code detectors} (detector id to fitted parameters
 * and thresholds, e.g. the isolation forest model) and {@code fingerprints} (metadata of the side
 * file). A reader rejects any {@code format_version} other than {@link #FORMAT_VERSION}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public final class Baseline {
    public static final int FORMAT_VERSION = 1;
    public static final String FILE = "baseline.json";
    public static final String FINGERPRINTS_FILE = "fingerprints.bin";
    /** Quantiles stored per feature: 0, 1/(n-1), ..., 1. */
    public static final int QUANTILE_POINTS = 101;
    /** The ranks of the stored quantiles: 0, 0.01, ..., 1. */
    public static double[] quantileRanks() {
        double[] ranks = new double[QUANTILE_POINTS];
        for (int i = 0; i < QUANTILE_POINTS; i++) {
            ranks[i] = (double) i / (QUANTILE_POINTS - 1);
        }
        return ranks;
    }

    /** Values per feature in the stored distribution ({@code kllSketch}): the first rows of the scan's sample. */
    static final int BASELINE_SKETCH_ROWS = 4_096;
    private static final String FLAG = "--baseline: ";
    private static final String FILE_KEY = "file";

    /** One feature's summary. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public static final class FeatureBaseline {
        public String name;
        public long count;
        public double mean;
        public double std;
        public double min;
        public double max;
        /** QUANTILE_POINTS values at ranks 0, 0.01, ..., 1; empty when count is 0. */
        public double[] quantiles;
        /** The serialised KLL sketch (base64 in JSON). */
        public byte[] kllSketch;

        public FeatureBaseline() {}
    }

    /** One category column's value counts over every row of the baseline's dataset. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public static final class CategoryBaseline {
        public String name;
        /** Rows with a value (missing ones not included). */
        public long count;
        public long missing;
        /** More distinct values than {@code maxDistinct}, or a very long one: no value counts. */
        public boolean freeText;
        public int maxDistinct;
        /** Value to count, in value order; empty for free text. */
        public Map<String, Long> values = new TreeMap<>();

        public CategoryBaseline() {}

        CategoryCounts counts() {
            return freeText ? CategoryCounts.freeText(count, missing, maxDistinct) : CategoryCounts.of(values, missing, Math.max(1, maxDistinct));
        }
    }

    public int formatVersion = FORMAT_VERSION;
    public String createdFromScanId;
    public String datasetFingerprint;
    public DatasetSchema schema;
    public List<String> featureOrder = new ArrayList<>();
    public long rows;
    public Map<String, Long> labelCounts = new TreeMap<>();
    public List<FeatureBaseline> features = new ArrayList<>();
    /** The category columns' counts; null in a baseline written before they were profiled (session 12). */
    public List<CategoryBaseline> categories;
    public Map<String, Map<String, Object>> detectors = new TreeMap<>();
    public Map<String, Object> fingerprints = new TreeMap<>();

    /** The Bloom filter behind {@code fingerprints}; written to / read from the side file. */
    @JsonIgnore
    public TrainingFingerprints fingerprintFilter;

    public Baseline() {}

    /**
     * A baseline of a finished profile.
     *
     * @param schema the dataset's columns; its feature columns must match the profile's, in order
     * @param scanId the scan that produced it
     * @param datasetFingerprint e.g. the SHA-256 of the input files
     */
    public static Baseline fromProfile(ScanProfile p, DatasetSchema schema, String scanId, String datasetFingerprint) {
        List<String> names = List.of(p.featureNames());
        if (!schema.featureNames().equals(names)) {
            throw new IllegalArgumentException("schema features " + schema.featureNames() + " differ from the profile's " + names);
        }
        Baseline b = new Baseline();
        b.createdFromScanId = scanId;
        b.datasetFingerprint = datasetFingerprint;
        b.schema = schema;
        b.featureOrder = new ArrayList<>(names);
        b.rows = p.rows();
        b.labelCounts = new TreeMap<>(p.labelCounts());
        double[] ranks = quantileRanks();
        for (int j = 0; j < p.dimensions(); j++) {
            RunningMoments m = p.moments(j);
            // A uniform subset of the sample keeps the file small: 4,096 values per feature bound the
            // drift statistics' sampling error well below their thresholds (PSI 0.2, 0.1 sigma).
            KllDoublesSketch s = p.sketch(j, BASELINE_SKETCH_ROWS);
            FeatureBaseline f = new FeatureBaseline();
            f.name = names.get(j);
            f.count = m.count();
            f.kllSketch = ScanProfile.sketchBytes(s);
            if (m.isEmpty()) {
                f.quantiles = new double[0]; // no NaN/Infinity in JSON
            } else {
                f.mean = m.mean();
                f.std = m.stddev();
                f.min = m.min();
                f.max = m.max();
                f.quantiles = p.sampleQuantiles(j, ranks);
                if (f.quantiles == null) {
                    // No value of the feature in the sample (it is nearly always missing).
                    f.quantiles = s.isEmpty() ? new double[0] : s.getQuantiles(ranks, QuantileSearchCriteria.INCLUSIVE);
                }
            }
            b.features.add(f);
        }
        b.categories = new ArrayList<>();
        for (Map.Entry<String, CategoryCounts> e : p.categories().entrySet()) {
            CategoryCounts counts = e.getValue();
            CategoryBaseline c = new CategoryBaseline();
            c.name = e.getKey();
            c.count = counts.rows();
            c.missing = counts.missing();
            c.freeText = counts.freeText();
            c.maxDistinct = counts.maxDistinct();
            c.values = counts.counts();
            b.categories.add(c);
        }
        return b;
    }

    /** Records a detector's fitted parameters (replacing earlier ones of the same id). */
    public Baseline withDetector(String id, Map<String, Object> parameters) {
        detectors.put(id, new TreeMap<>(parameters));
        return this;
    }

    /** Attaches the training-row fingerprints (written to the side file). */
    public Baseline withFingerprints(TrainingFingerprints filter) {
        fingerprintFilter = filter;
        fingerprints = new TreeMap<>(filter.describe());
        fingerprints.put(FILE_KEY, FINGERPRINTS_FILE);
        return this;
    }

    /** The per-feature sketches and moments, for drift and range constraints. */
    public DatasetStats stats() {
        int d = features.size();
        String[] names = new String[d];
        long[] counts = new long[d];
        double[] means = new double[d];
        double[] stds = new double[d];
        KllDoublesSketch[] sketches = new KllDoublesSketch[d];
        for (int j = 0; j < d; j++) {
            FeatureBaseline f = features.get(j);
            names[j] = f.name;
            counts[j] = f.count;
            means[j] = f.mean;
            stds[j] = f.std;
            sketches[j] = ScanProfile.sketchFromBytes(f.kllSketch);
        }
        return new DatasetStats(names, rows, counts, means, stds, sketches, labelCounts, categoryCounts());
    }

    /** Category column name to its counts, in column order (empty for a baseline written before categories were profiled). */
    public Map<String, CategoryCounts> categoryCounts() {
        Map<String, CategoryCounts> out = new java.util.LinkedHashMap<>();
        if (categories != null) {
            for (CategoryBaseline c : categories) {
                out.put(c.name, c.counts());
            }
        }
        return out;
    }

    /** z-scoring with the baseline's moments; a constant feature gets standard deviation 1. */
    public Standardizer standardizer() {
        int d = features.size();
        double[] mean = new double[d];
        double[] std = new double[d];
        for (int j = 0; j < d; j++) {
            mean[j] = features.get(j).mean;
            std[j] = features.get(j).std;
        }
        return new Standardizer(mean, std);
    }

    /** Writes DIR/baseline.json (and DIR/fingerprints.bin when fingerprints are attached), creating DIR. */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            if (fingerprintFilter != null) {
                writeAtomically(dir.resolve(FINGERPRINTS_FILE), fingerprintFilter.toBytes());
            }
            writeAtomically(dir.resolve(FILE), Json.pretty(this).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write baseline to " + dir, e);
        }
    }

    private static void writeAtomically(Path target, byte[] data) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, data);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a baseline directory; every problem is a one-line {@link ConfigException} naming --baseline. */
    public static Baseline read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(FLAG + dir + " is not a directory");
        }
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(FLAG + dir + " has no " + FILE);
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(FLAG + "cannot parse " + file + ": " + firstLine(e.getMessage()), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException(FLAG + file + " must hold a JSON object");
        }
        JsonNode version = tree.get("format_version");
        if (version == null || !version.canConvertToInt()) {
            throw new ConfigException(FLAG + file + " has no format_version");
        }
        if (version.asInt() != FORMAT_VERSION) {
            throw new ConfigException(FLAG + "unsupported format version " + version.asInt() + " in " + file + " (this build reads "
                    + FORMAT_VERSION + ")");
        }
        Baseline b;
        try {
            b = Json.MAPPER.treeToValue(tree, Baseline.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException(FLAG + "invalid " + file + ": " + firstLine(e.getOriginalMessage()), e);
        }
        b.validate(file);
        Object side = b.fingerprints == null ? null : b.fingerprints.get(FILE_KEY);
        if (side != null) {
            Path f = dir.resolve(side.toString());
            if (!Files.isRegularFile(f)) {
                throw new ConfigException(FLAG + dir + " has no " + side + " (named by baseline.json fingerprints.file)");
            }
            try {
                b.fingerprintFilter = TrainingFingerprints.fromBytes(Files.readAllBytes(f));
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException(FLAG + "cannot read " + f + ": " + firstLine(e.getMessage()), e);
            }
        }
        return b;
    }

    private void validate(Path file) {
        if (schema == null || features == null) {
            throw new ConfigException(FLAG + file + " lacks schema or features");
        }
        if (!schema.featureNames().equals(featureOrder)) {
            throw new ConfigException(FLAG + file + ": feature_order " + featureOrder + " disagrees with the schema " + schema.featureNames());
        }
        for (int j = 0; j < features.size(); j++) {
            FeatureBaseline f = features.get(j);
            if (j >= featureOrder.size() || !featureOrder.get(j).equals(f.name) || f.kllSketch == null) {
                throw new ConfigException(FLAG + file + ": feature #" + j + " (" + f.name + ") does not match feature_order or lacks kll_sketch");
            }
        }
        if (features.size() != featureOrder.size()) {
            throw new ConfigException(FLAG + file + ": " + features.size() + " features for " + featureOrder.size() + " feature columns");
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
