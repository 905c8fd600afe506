package io.modelwarden.scan;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.baseline.Baseline;
import io.modelwarden.baseline.DatasetSchema;
import io.modelwarden.baseline.FingerprintSettings;
import io.modelwarden.baseline.TrainingFingerprints;
import io.modelwarden.config.Config;
import io.modelwarden.connect.InputSchema;
import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.BackdoorSettings;
import io.modelwarden.detect.poisoning.BaselineForestDetector;
import io.modelwarden.detect.poisoning.CategoryDomainDetector;
import io.modelwarden.detect.poisoning.BackdoorTriggerDetector;
import io.modelwarden.detect.poisoning.DatasetDetection;
import io.modelwarden.detect.poisoning.DatasetStats;
import io.modelwarden.detect.poisoning.DriftDetector;
import io.modelwarden.detect.poisoning.DriftSettings;
import io.modelwarden.detect.poisoning.DuplicateDetector;
import io.modelwarden.detect.poisoning.DuplicateGroup;
import io.modelwarden.detect.poisoning.DuplicateRate;
import io.modelwarden.detect.poisoning.DuplicateSettings;
import io.modelwarden.detect.poisoning.IsolationForestDetector;
import io.modelwarden.detect.poisoning.LabelFlipDetector;
import io.modelwarden.detect.poisoning.NearDuplicateHash;
import io.modelwarden.detect.poisoning.RangeConstraintDetector;
import io.modelwarden.detect.poisoning.RowDetector;
import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.detect.poisoning.SchemaDetector;
import io.modelwarden.detect.poisoning.SchemaSettings;
import io.modelwarden.detect.poisoning.SpectralSignatureDetector;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.detect.serving.StatefulKnnDetector;
import io.modelwarden.detect.serving.StatefulKnnSettings;
import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.CategoryCounts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detectors of one scan, fitted in the client on the merged profile (and the baseline): the row
 * detectors shipped to the scoring pass, the duplicate grouping, the dataset-level findings (schema,
 * drift) decided from the profile alone, and what goes into summary.json and baseline/.
 */
final class DetectorSuite {
    private static final Logger LOG = LoggerFactory.getLogger(DetectorSuite.class);

    /** Every detector's settings, read (and so validated) before any job starts. */
    record Settings(
            boolean isolationForest,
            boolean labelFlip,
            boolean duplicates,
            boolean backdoor,
            boolean schema,
            boolean drift,
            DuplicateSettings duplicate,
            FingerprintSettings fingerprint,
            BackdoorSettings backdoorSettings,
            SchemaSettings schemaSettings,
            DriftSettings driftSettings) {

        static Settings of(Config c) {
            String d = "scan.detectors.";
            return new Settings(
                    c.getBoolean(d + "isolation-forest.enabled"),
                    c.getBoolean(d + "label-flip.enabled"),
                    c.getBoolean(d + "duplicates.enabled"),
                    c.getBoolean(d + "backdoor.enabled"),
                    c.getBoolean(d + "schema.enabled"),
                    c.getBoolean(d + "drift.enabled"),
                    DuplicateSettings.fromConfig(c),
                    FingerprintSettings.fromConfig(c),
                    BackdoorSettings.fromConfig(c),
                    SchemaSettings.fromConfig(c),
                    DriftSettings.fromConfig(c));
        }
    }

    private final ScanOptions options;
    private final Settings settings;
    private final ScanProfile profile;
    /** The sample the models were fitted on: the profile's, with missing values filled in. */
    private final List<TrainingRow> sample;
    private final DatasetSchema schema;
    private final ScanModel model;
    private final List<Finding> datasetFindings;
    private final DriftDetector.Report drift;
    /** The baseline's duplicate rate (null without a baseline, or one that counted no copies). */
    private final DuplicateRate duplicateRate;
    /** Feature columns that look like row identifiers ({@link #identifierLikeFeatures(List, String[])}). */
    private final List<String> identifierLike;
    /** A feature needs this many sample rows before it can look like a row identifier. */
    static final int MIN_IDENTIFIER_ROWS = 100;

    private DetectorSuite(ScanOptions options, Settings settings, ScanProfile profile, List<TrainingRow> sample, DatasetSchema schema, ScanModel model,
            List<Finding> datasetFindings, DriftDetector.Report drift, DuplicateRate duplicateRate, List<String> identifierLike) {
        this.options = options;
        this.settings = settings;
        this.profile = profile;
        this.sample = sample;
        this.schema = schema;
        this.model = model;
        this.datasetFindings = datasetFindings;
        this.drift = drift;
        this.duplicateRate = duplicateRate;
        this.identifierLike = List.copyOf(identifierLike);
    }

    /** Validates every detector key of the configuration (called at start, before any job). */
    static void validate(Config c) {
        Settings.of(c);
        DetectorFits.validate(c);
    }

    static DetectorSuite fit(ScanOptions options, InputSchema input, ScanProfile profile, long rejected, FindingFactory factory) {
        Config c = options.config();
        Settings s = Settings.of(c);
        Baseline baseline = options.baseline() == null ? null : Baseline.read(Path.of(options.baseline()));
        DatasetSchema schema = toDatasetSchema(input);
        Standardizer std = profile.standardizer();
        double[] fill = options.imputeMissing() ? fillValues(profile) : null;
        List<TrainingRow> sample = filled(profile.sample().rows(), fill);
        String[] names = profile.featureNames();
        // The baseline's value counts per category column, rebuilt from its JSON once for every check that reads them.
        Map<String, CategoryCounts> baselineCategories = baseline == null ? Map.of() : baseline.categoryCounts();
        List<String> identifiers = identifierLikeFeatures(sample, names);
        if (!identifiers.isEmpty()) {
            LOG.warn("Feature columns {} look like row identifiers (every sampled value a whole number, no two alike: an id or a timestamp): "
                    + "as features they spread the rows evenly and make copies under new ids no copies; "
                    + "name an id with --id-column, or leave them out with --ignore-columns", identifiers);
        }

        List<RowDetector> detectors = new ArrayList<>();
        if (profile.rows() > 0) {
            LabelFlipDetector.Reference labelNoise = baseline == null ? null : LabelFlipDetector.reference(baseline.detectors.get(LabelFlipDetector.ID));
            if (baseline != null && labelNoise == null && s.labelFlip()) {
                LOG.info("The baseline states no label-flip thresholds and noise rates (a scan before session 11, or one without labels or the label-flip detector): "
                        + "label flips are judged without it");
            }
            List<Callable<RowDetector>> fits = new ArrayList<>(DetectorFits.fits(c, s, sample, std, options.seed(), labelNoise));
            boolean labelled = !sample.isEmpty() && sample.get(0).label != null;
            if (s.backdoor() && labelled) {
                List<BackdoorTriggerDetector.KnownTrigger> knownTriggers = baseline == null ? null
                        : BackdoorTriggerDetector.KnownTrigger.fromBaselineEntry(baseline.detectors.get(BackdoorTriggerDetector.ID));
                fits.add(() -> BackdoorTriggerDetector.fit(sample, std, names, profile.categoryNames(), s.backdoorSettings(), knownTriggers));
                fits.add(() -> SpectralSignatureDetector.fit(sample, std, s.backdoorSettings()));
            }
            detectors.addAll(DetectorFits.runAll(fits));
            if (s.isolationForest() && baseline != null && c.getBoolean("scan.detectors.isolation-forest.against-baseline")) {
                BaselineForestDetector trusted = baseline.featureOrder.equals(List.of(names))
                        ? BaselineForestDetector.fromBaselineEntry(baseline.detectors.get(IsolationForestDetector.ID), baseline.standardizer(),
                                baseline.createdFromScanId, ownForest(detectors))
                        : null;
                if (trusted != null) {
                    detectors.add(trusted);
                } else {
                    LOG.info("No baseline_forest: the baseline has no isolation forest model or other features ({})", baseline.featureOrder);
                }
            }
            if (s.schema() && baseline != null) {
                detectors.add(RangeConstraintDetector.fromStats(alignedStats(baseline, names), s.schemaSettings()));
                CategoryDomainDetector domains = CategoryDomainDetector.of(profile.categoryNames(), baselineCategories, profile.categories(),
                        s.schemaSettings());
                if (domains != null) {
                    detectors.add(domains);
                }
            }
        }

        List<DatasetDetection> dataset = new ArrayList<>();
        DatasetStats current = DatasetStats.of(profile);
        if (s.schema()) {
            SchemaDetector schemaDetector = new SchemaDetector(s.schemaSettings());
            long read = profile.rows() + rejected;
            if (baseline != null) {
                // A baseline from before category columns were profiled had them as ignored columns: no role change.
                DatasetSchema compared = baseline.categories == null ? withoutCategories(schema) : schema;
                dataset.addAll(schemaDetector.check(baseline.schema, baseline.labelCounts, compared, profile.labelCounts(), read, rejected));
                dataset.addAll(schemaDetector.categories(baselineCategories, profile.categories()));
                dataset.addAll(categoryMissingValues(schemaDetector, baselineCategories, profile));
                if (baseline.categories == null && profile.categoryNames().length > 0) {
                    LOG.info("The baseline has no category counts (a scan before session 12): category columns {} are counted, not checked",
                            List.of(profile.categoryNames()));
                }
            } else {
                // Without a baseline only the data's own constraints apply (the rejected share).
                dataset.addAll(schemaDetector.check(schema, profile.labelCounts(), schema, profile.labelCounts(), read, rejected));
            }
            long[] missing = new long[names.length];
            for (int j = 0; j < names.length; j++) {
                missing[j] = profile.missing(j);
            }
            dataset.addAll(schemaDetector.missingValues(names, missing, profile.rows(), baselineMissingShares(baseline)));
        }
        for (RowDetector d : detectors) {
            if (d instanceof LabelFlipDetector labelFlip) {
                // Against a baseline: more label noise than its own classes' overlap explains.
                labelFlip.noiseExcess().ifPresent(dataset::add);
            }
        }
        DriftDetector.Report drift = null;
        if (s.drift() && baseline != null) {
            drift = new DriftDetector(s.driftSettings()).compare(alignedStats(baseline, names), current);
            dataset.addAll(drift.detections());
        }
        List<Finding> findings = new ArrayList<>();
        for (DatasetDetection d : dataset) {
            findings.add(factory.dataset(d.detector(), d.threat(), d.kind(), d.subject(), d.detection()));
        }
        List<String> ids = new ArrayList<>();
        for (RowDetector d : detectors) {
            ids.add(d.id());
        }
        LOG.info("Detectors: {}{}{}", ids, s.duplicates() ? " + duplicates" : "", baseline == null ? " (no baseline: drift and range checks off)" : " + drift against " + options.baseline());
        NearDuplicateHash near = null;
        if (s.duplicates() && s.duplicate().radius() > 0) {
            List<double[]> z = new ArrayList<>(sample.size());
            for (TrainingRow r : sample) {
                z.add(std.apply(r.features));
            }
            near = NearDuplicateHash.fit(z, names.length, s.duplicate().radius(), s.duplicate().maxNaturalShare(), profile.rows());
            LOG.info("Duplicate buckets: {} directions, {} buckets per row on the sample; radius {} (configured {}, the sample's correlation dimension {})",
                    near.keyDirections(), near.meanBuckets(), near.radius(), near.configuredRadius(), near.dimension());
        }
        DuplicateSettings duplicates = null;
        if (s.duplicates()) {
            DuplicateSettings d = s.duplicate();
            // The radius rows are compared with, which the findings' evidence states: less on dense data.
            duplicates = near == null ? d : d.withRadius(near.radius());
        }
        DuplicateRate rate = null;
        if (s.duplicates() && baseline != null) {
            rate = DuplicateRate.fromBaselineEntry(baseline.detectors.get(DuplicateDetector.ID)).orElse(null);
            if (rate == null) {
                LOG.info("The baseline states no duplicate rate (a scan before session 11, or one without the duplicate detector): "
                        + "every group of min-copies is flagged, no duplicate_rate check");
            }
        }
        ScanModel model = new ScanModel(std, detectors, factory, duplicates, near, s.fingerprint(), profile.rows(), names, fill, copyCategories(profile));
        return new DetectorSuite(options, s, profile, sample, schema, model, findings, drift, rate, identifiers);
    }

    private static IsolationForestDetector ownForest(List<RowDetector> detectors) {
        for (RowDetector d : detectors) {
            if (d instanceof IsolationForestDetector forest) {
                return forest;
            }
        }
        return null;
    }

    /** Per feature name, the share of the baseline's rows whose value was missing (empty without a baseline). */
    private static Map<String, Double> baselineMissingShares(Baseline baseline) {
        Map<String, Double> out = new java.util.HashMap<>();
        if (baseline != null && baseline.rows > 0) {
            for (Baseline.FeatureBaseline f : baseline.features) {
                out.put(f.name, Math.max(0.0, 1.0 - (double) f.count / baseline.rows));
            }
        }
        return out;
    }

    /**
     * Feature columns that look like row identifiers rather than measurements: at least
     * {@link #MIN_IDENTIFIER_ROWS} sample rows, every value a whole number and no two alike (an integer
     * id or an epoch timestamp that no --id-column named). A measurement with whole values (a count, an
     * age, an amount in cents) repeats within a sample of thousands of rows. Reported, not dropped.
     */
    static List<String> identifierLikeFeatures(List<TrainingRow> sample, String[] names) {
        List<String> out = new ArrayList<>();
        if (sample.size() < MIN_IDENTIFIER_ROWS) {
            return out;
        }
        double[] v = new double[sample.size()];
        for (int j = 0; j < names.length; j++) {
            boolean whole = true;
            for (int i = 0; i < v.length && whole; i++) {
                v[i] = sample.get(i).features[j];
                whole = v[i] == Math.rint(v[i]); // false for a missing value (NaN)
            }
            if (!whole) {
                continue;
            }
            Arrays.sort(v);
            boolean distinct = true;
            for (int i = 1; i < v.length && distinct; i++) {
                distinct = v[i] != v[i - 1];
            }
            if (distinct) {
                out.add(names[j]);
            }
        }
        return out;
    }

    /** The feature columns of this scan that look like row identifiers (summary.json's identifier_like). */
    List<String> identifierLikeFeatures() {
        return identifierLike;
    }

    /**
     * The category columns copies must agree on: every one but those whose values identify rows
     * rather than group them ({@link CategoryCounts#identifying()}). Two rows with the same numbers and
     * categories under two ids are copies; with the id in the key they never would be.
     */
    static int[] copyCategories(ScanProfile profile) {
        String[] names = profile.categoryNames();
        List<Integer> kept = new ArrayList<>();
        List<String> identifying = new ArrayList<>();
        for (int j = 0; j < names.length; j++) {
            if (profile.categories(j).identifying()) {
                identifying.add(names[j]);
            } else {
                kept.add(j);
            }
        }
        if (!identifying.isEmpty()) {
            LOG.info("Text columns {} identify rows rather than group them (free text, or more distinct values than half their rows): "
                    + "copies need not agree on them; name an id column with --id-column to give rows its ids", identifying);
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The missing-value constraint of the category columns the baseline counted: a share of missing
     * values above the baseline's by more than {@code max-missing-share}.
     */
    private static List<DatasetDetection> categoryMissingValues(SchemaDetector detector, Map<String, CategoryCounts> base, ScanProfile profile) {
        List<String> names = new ArrayList<>();
        List<Long> missing = new ArrayList<>();
        Map<String, Double> shares = new java.util.HashMap<>();
        profile.categories().forEach((name, c) -> {
            CategoryCounts b = base.get(name);
            if (b != null) {
                names.add(name);
                missing.add(c.missing());
                long all = b.rows() + b.missing();
                shares.put(name, all == 0 ? 0.0 : (double) b.missing() / all);
            }
        });
        return detector.missingValues(names.toArray(new String[0]), missing.stream().mapToLong(Long::longValue).toArray(), profile.rows(), shares);
    }

    /** The schema with its category columns as ignored ones, as a scan before session 12 wrote it. */
    private static DatasetSchema withoutCategories(DatasetSchema schema) {
        List<DatasetSchema.Column> cols = new ArrayList<>();
        for (DatasetSchema.Column c : schema.columns()) {
            cols.add(c.role() == DatasetSchema.ColumnRole.CATEGORY ? new DatasetSchema.Column(c.name(), c.type(), DatasetSchema.ColumnRole.IGNORED) : c);
        }
        return new DatasetSchema(cols);
    }

    /** Per feature, the value a missing one is scored with: its median in the sample (the mean, 0, when it has none). */
    static double[] fillValues(ScanProfile profile) {
        double[] fill = new double[profile.dimensions()];
        for (int j = 0; j < fill.length; j++) {
            double[] median = profile.sampleQuantiles(j, new double[] {0.5});
            fill[j] = median != null ? median[0] : profile.moments(j).mean();
        }
        return fill;
    }

    /** The rows with their missing values filled in (copies of those that have any); the rows themselves without fill values. */
    static List<TrainingRow> filled(List<TrainingRow> rows, double[] fill) {
        if (fill == null) {
            return rows;
        }
        List<TrainingRow> out = new ArrayList<>(rows.size());
        for (TrainingRow r : rows) {
            double[] x = null;
            for (int j = 0; j < r.features.length; j++) {
                if (Double.isNaN(r.features[j])) {
                    if (x == null) {
                        x = r.features.clone();
                    }
                    x[j] = fill[j];
                }
            }
            out.add(x == null ? r : new TrainingRow(r.rowId, r.rowIndex, r.fileIndex, x, r.label, r.categories));
        }
        return out;
    }

    /**
     * The baseline's statistics in this scan's feature order. A feature the baseline lacks is a schema
     * finding, and its drift statistics are taken from the current data (so it shows no drift).
     */
    private static DatasetStats alignedStats(Baseline baseline, String[] names) {
        return baseline.stats();
    }

    private static DatasetSchema toDatasetSchema(InputSchema input) {
        List<DatasetSchema.Column> cols = new ArrayList<>();
        for (InputSchema.Column c : input.columns()) {
            DatasetSchema.ColumnType type = c.type() == InputSchema.Type.NUMERIC ? DatasetSchema.ColumnType.NUMERIC : DatasetSchema.ColumnType.STRING;
            DatasetSchema.ColumnRole role = switch (c.role()) {
                case FEATURE -> DatasetSchema.ColumnRole.FEATURE;
                case LABEL -> DatasetSchema.ColumnRole.LABEL;
                case ID -> DatasetSchema.ColumnRole.ID;
                case CATEGORY -> DatasetSchema.ColumnRole.CATEGORY;
                case IGNORED -> DatasetSchema.ColumnRole.IGNORED;
            };
            cols.add(new DatasetSchema.Column(c.name(), type, role));
        }
        return new DatasetSchema(cols);
    }

    ScanModel model() {
        return model;
    }

    List<Finding> datasetFindings() {
        return datasetFindings;
    }

    /**
     * A row in flight to the duplicate grouping: ({@link NearDuplicateHash} bucket, {@link
     * DuplicateGroup#oneRowBytes}). Every row crosses the shuffle and the sort of the grouping about
     * 1.4 times, so it travels as few bytes.
     */
    static final TypeInformation<Tuple2<Long, byte[]>> ENCODED_ROW = Types.TUPLE(Types.LONG, Types.PRIMITIVE_ARRAY(Types.BYTE));

    /**
     * The duplicate grouping's outputs: each row's best finding per detector ({@link
     * DuplicateFindingsOperator}, counts on its STATS) and the dataset's duplicate rate ({@link
     * DuplicateRateOperator}: the extra copies and, with a baseline, the {@code duplicate_rate} finding,
     * on its STATS).
     */
    record DuplicateStreams(SingleOutputStreamOperator<Finding> rows, SingleOutputStreamOperator<Finding> rate) {}

    /**
     * Groups rows by bucket, turns flagged groups into findings, keeps each row's best finding per
     * detector (a row in several buckets may be found in each) and sums the extra copies; null when off.
     */
    DuplicateStreams duplicateFindings(DataStream<Tuple2<Long, byte[]>> rows, int topFindings) {
        if (model.duplicates() == null) {
            return null;
        }
        DuplicateGroupsOperator grouping = new DuplicateGroupsOperator(new DuplicateDetector(model.duplicates(), duplicateRate), model.findings());
        SingleOutputStreamOperator<Finding> grouped = rows.keyBy(new Bucket(), Types.LONG)
                .transform("group-duplicates", TypeInformation.of(Finding.class), grouping)
                .uid("group-duplicates").name("group-duplicates");
        SingleOutputStreamOperator<Finding> best = grouped.keyBy(new FindingId(), Types.STRING)
                .transform("best-duplicate-findings", TypeInformation.of(Finding.class), new DuplicateFindingsOperator(topFindings))
                .uid("best-duplicate-findings").name("best-duplicate-findings");
        SingleOutputStreamOperator<Finding> rate = grouped.getSideOutput(DuplicateGroupsOperator.EXTRA_COPIES)
                .transform("duplicate-rate", TypeInformation.of(Finding.class),
                        new DuplicateRateOperator(model.duplicates(), duplicateRate, profile.rows(), model.findings()))
                .setParallelism(1).setMaxParallelism(1)
                .uid("duplicate-rate").name("duplicate-rate");
        return new DuplicateStreams(best, rate);
    }

    private static final class Bucket implements KeySelector<Tuple2<Long, byte[]>, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long getKey(Tuple2<Long, byte[]> r) {
            return r.f0;
        }
    }

    private static final class FindingId implements KeySelector<Finding, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(Finding f) {
            return f.findingId;
        }
    }

    /** @param extraCopies the duplicate grouping's count ({@link #extraCopies(List)}) */
    ObjectNode detectorsJson(ScoreStats scores, Map<String, Long> flaggedByDetector, long extraCopies) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        for (RowDetector d : model.detectors()) {
            ObjectNode n = out.putObject(d.id());
            n.put("kind", d.kind().name());
            n.put("enabled", true);
            n.put("threshold", Json.round(d.threshold(), 6));
            n.put("flagged", scores.flagged(d.id()));
            n.set("parameters", Json.rounded(Json.MAPPER.valueToTree(d.parameters()), 6));
            ObjectNode h = n.putObject("score_histogram");
            h.put("bins", ScoreStats.BINS);
            h.set("counts", Json.MAPPER.valueToTree(scores.histogram(d.id())));
        }
        if (model.duplicates() != null) {
            ObjectNode n = out.putObject(DuplicateDetector.ID);
            n.put("kind", FindingKind.DUPLICATE.name());
            n.put("enabled", true);
            n.put("flagged", flaggedByDetector.getOrDefault(DuplicateDetector.ID, 0L));
            ObjectNode p = Json.MAPPER.valueToTree(model.duplicates());
            NearDuplicateHash near = model.nearDuplicates();
            p.put("configured_radius", near == null ? 0 : near.configuredRadius());
            if (near == null || Double.isNaN(near.dimension())) {
                p.putNull("correlation_dimension");
            } else {
                p.put("correlation_dimension", Json.round(near.dimension(), 3));
            }
            p.put("key_directions", near == null ? 0 : near.keyDirections());
            double perRow = near == null ? 1 : near.meanBuckets();
            if (Double.isNaN(perRow)) {
                p.putNull("buckets_per_row"); // no rows, no sample
            } else {
                p.put("buckets_per_row", Json.round(perRow, 3));
            }
            n.set("parameters", p);
            ObjectNode r = n.putObject("rate");
            long rows = profile.rows();
            r.put("extra_copies", extraCopies);
            r.put("share", rows == 0 ? 0 : Json.round((double) extraCopies / rows, 8));
            r.put("min_flagged_copies", new DuplicateDetector(model.duplicates(), duplicateRate).minFlaggedCopies());
            if (duplicateRate == null) {
                r.putNull("baseline_share");
            } else {
                r.put("baseline_share", Json.round(duplicateRate.share(), 8));
                r.put("baseline_copies_per_row", Json.round(duplicateRate.copiesPerRow(), 8));
            }
        }
        return out;
    }

    ObjectNode driftJson() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        if (drift == null) {
            n.putNull("baseline");
            return n;
        }
        n.put("baseline", options.baseline());
        ArrayNode features = n.putArray("features");
        for (DriftDetector.FeatureDrift f : drift.features()) {
            ObjectNode fn = features.addObject();
            fn.put("feature", f.feature());
            fn.put("psi", Json.round(f.psi(), 6));
            fn.put("wasserstein", Json.round(f.wasserstein(), 6));
            if (f.ksStatistic() == null) {
                fn.putNull("ks_statistic");
                fn.putNull("ks_p");
            } else {
                fn.put("ks_statistic", Json.round(f.ksStatistic(), 6));
                fn.put("ks_p", f.ksPValue());
            }
            fn.put("mean_shift_sigma", Json.round(f.meanShiftSigma(), 4));
            fn.put("drifted", f.drifted());
            fn.put("reason", f.reason());
        }
        ArrayNode categories = n.putArray("categories");
        for (DriftDetector.CategoryDrift c : drift.categories()) {
            ObjectNode cn = categories.addObject();
            cn.put("column", c.column());
            if (c.hasVerdict()) {
                cn.put("js_distance", Json.round(c.jsDistance(), 6));
                cn.put("chi_square_p", c.chiSquareP());
            } else {
                cn.putNull("js_distance");
                cn.putNull("chi_square_p");
            }
            cn.put("drifted", c.drifted());
            cn.put("reason", c.reason());
        }
        ObjectNode label = n.putObject("label");
        if (drift.label() != null) {
            label.put("js_distance", Json.round(drift.label().jsDistance(), 6));
            label.put("drifted", drift.label().drifted());
        }
        n.put("share_drifted", Json.round(drift.driftedShare(), 4));
        n.put("dataset_drifted", drift.datasetDrift());
        return n;
    }

    /** Values per category column listed in summary.json (the most frequent). */
    static final int TOP_CATEGORIES = 10;

    /** summary.json's categories: per category column its counts and most frequent values. */
    ArrayNode categoriesJson() {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (Map.Entry<String, CategoryCounts> e : profile.categories().entrySet()) {
            CategoryCounts c = e.getValue();
            ObjectNode n = arr.addObject();
            n.put("name", e.getKey());
            n.put("rows", c.rows());
            n.put("missing", c.missing());
            n.put("free_text", c.freeText());
            n.put("identifying", c.identifying()); // not part of what makes rows copies
            if (c.freeText()) {
                n.putNull("distinct");
            } else {
                n.put("distinct", c.distinct());
            }
            n.set("top", Json.MAPPER.valueToTree(c.top(TOP_CATEGORIES)));
        }
        return arr;
    }

    /** Rows of the sample the monitor's kNN threshold is calibrated on (cost O(rows x buffer x d)). */
    static final int KNN_CALIBRATION_ROWS = 5_000;

    /**
     * What the streaming monitor calibrates on trusted training data: the stateful kNN detector's tau
     * (the configured percentile of its statistic over training rows streamed as a client would).
     */
    private void servingCalibration(Baseline b) {
        Config c = options.config();
        if (!c.getBoolean("monitor.detectors.stateful-knn.enabled") || profile.rows() == 0) {
            return;
        }
        StatefulKnnSettings knn = StatefulKnnSettings.fromConfig(c);
        Standardizer std = model.standardizer();
        List<double[]> z = new ArrayList<>();
        for (TrainingRow r : sample) {
            if (z.size() >= KNN_CALIBRATION_ROWS) {
                break;
            }
            z.add(std.apply(r.features));
        }
        Map<String, Object> entry = StatefulKnnDetector.baselineEntry(z, knn, options.seed());
        if (entry != null) {
            b.withDetector(StatefulKnnDetector.ID, entry);
        }
    }

    /** The extra copies the duplicate grouping counted (0 when it did not run). */
    static long extraCopies(List<ScanOutput> extras) {
        long n = 0;
        for (ScanOutput o : extras) {
            if (ScanOutput.EXTRA_COPIES.equals(o.kind)) {
                n += DuplicateRateOperator.extraCopies(o.payload);
            }
        }
        return n;
    }

    /** baseline/: the profile's statistics and sketches, fitted detector parameters, fingerprints. */
    void writeBaseline(Path dir, String scanId, String datasetSha, List<ScanOutput> extras) throws IOException {
        Baseline b = Baseline.fromProfile(profile, schema, scanId, datasetSha);
        for (RowDetector d : model.detectors()) {
            b.withDetector(d.id(), DetectorFits.baselineEntry(d));
        }
        TrainingFingerprints merged = null;
        for (ScanOutput o : extras) {
            if (ScanOutput.FINGERPRINTS.equals(o.kind)) {
                TrainingFingerprints part = TrainingFingerprints.fromBytes(o.payload);
                if (merged == null) {
                    merged = part;
                } else {
                    merged.merge(part);
                }
            }
        }
        if (merged != null) {
            b.withFingerprints(merged);
        }
        if (model.duplicates() != null) {
            // What a later scan's duplicate detector compares its rate with (DuplicateRate).
            Map<String, Object> rate = new java.util.LinkedHashMap<>();
            rate.put(DuplicateRate.ROWS_KEY, profile.rows());
            rate.put(DuplicateRate.EXTRA_COPIES_KEY, extraCopies(extras));
            rate.put(DuplicateRate.RADIUS_KEY, model.duplicates().radius());
            b.withDetector(DuplicateDetector.ID, rate);
        }
        servingCalibration(b);
        b.write(dir);
    }
}
