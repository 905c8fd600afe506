package io.modelwarden.monitor;

import io.modelwarden.config.Config;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.detect.serving.BlacklightDetector;
import io.modelwarden.detect.serving.BlacklightSettings;
import io.modelwarden.detect.serving.BoundaryProbeDetector;
import io.modelwarden.detect.serving.BoundaryProbeSettings;
import io.modelwarden.detect.serving.CoverageDetector;
import io.modelwarden.detect.serving.CoverageSettings;
import io.modelwarden.detect.serving.ExplanationAbuseDetector;
import io.modelwarden.detect.serving.ExplanationAbuseSettings;
import io.modelwarden.detect.serving.InversionDetector;
import io.modelwarden.detect.serving.InversionSettings;
import io.modelwarden.detect.serving.MembershipProbeDetector;
import io.modelwarden.detect.serving.MembershipProbeSettings;
import io.modelwarden.detect.serving.PradaDetector;
import io.modelwarden.detect.serving.PradaSettings;
import io.modelwarden.detect.serving.RateDetector;
import io.modelwarden.detect.serving.RateSettings;
import io.modelwarden.detect.serving.ServingBaseline;
import io.modelwarden.detect.serving.ServingDetector;
import io.modelwarden.detect.serving.SimilarityClusterDetector;
import io.modelwarden.detect.serving.SimilarityClusterSettings;
import io.modelwarden.detect.serving.StatefulKnnDetector;
import io.modelwarden.detect.serving.StatefulKnnSettings;
import io.modelwarden.detect.serving.WarmupSample;
import io.modelwarden.detect.serving.WarmupSettings;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The client-keyed streaming detectors of one monitor, per model: every detector for a model with a
 * baseline; for a model without one, only those that need none until its warm-up has calibrated a
 * baseline from its first events ({@link WarmupSample}; the job says at start which detectors wait).
 * Also the per-IP rate detector. Built once in the client, shipped inside the
 * keyed functions.
 */
public final class DetectorCatalog implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Detectors that cannot run without a baseline (they compare traffic with the training data). */
    static final List<String> NEED_BASELINE = List.of("similarity_cluster", "blacklight", "coverage_ood", "membership_probe", "model_inversion");

    private final Config config;
    private final LinkedHashMap<String, List<ServingDetector<?>>> byModel;
    private final List<ServingDetector<?>> withoutBaseline;
    private final RateDetector ipRate;
    private final WarmupSettings warmup;
    private final boolean baselineForEveryModel;

    private DetectorCatalog(Config config, LinkedHashMap<String, List<ServingDetector<?>>> byModel, List<ServingDetector<?>> withoutBaseline,
            RateDetector ipRate, boolean baselineForEveryModel) {
        this.config = config;
        this.byModel = byModel;
        this.withoutBaseline = withoutBaseline;
        this.ipRate = ipRate;
        this.warmup = WarmupSettings.fromConfig(config);
        this.baselineForEveryModel = baselineForEveryModel;
    }

    /**
     * @param baselines per model id; a null key ("every model") applies to models not named
     */
    public static DetectorCatalog build(Config c, Map<String, ServingBaseline> baselines, ServingBaseline forEveryModel) {
        LinkedHashMap<String, List<ServingDetector<?>>> byModel = new LinkedHashMap<>();
        for (Map.Entry<String, ServingBaseline> e : baselines.entrySet()) {
            byModel.put(e.getKey(), detectors(c, e.getValue()));
        }
        List<ServingDetector<?>> fallback = detectors(c, forEveryModel);
        return new DetectorCatalog(c, byModel, fallback, RateDetector.ratesOnly(RateSettings.fromConfig(c)), forEveryModel != null);
    }

    /** Validates every detector key (called at start). */
    static void validate(Config c) {
        detectors(c, null);
        BlacklightSettings.fromConfig(c);
        CoverageSettings.fromConfig(c);
        MembershipProbeSettings.fromConfig(c);
        InversionSettings.fromConfig(c);
        WarmupSettings.fromConfig(c);
    }

    private static List<ServingDetector<?>> detectors(Config c, ServingBaseline b) {
        List<ServingDetector<?>> out = new ArrayList<>();
        if (on(c, "prada")) {
            out.add(new PradaDetector(PradaSettings.fromConfig(c), b));
        }
        if (on(c, "stateful-knn")) {
            out.add(new StatefulKnnDetector(StatefulKnnSettings.fromConfig(c), b));
        }
        if (on(c, "boundary")) {
            out.add(new BoundaryProbeDetector(BoundaryProbeSettings.fromConfig(c), b));
        }
        if (on(c, "rate.similarity") && b != null) {
            // Cosines need the training mean as origin: raw features that are all positive, say, make
            // any two queries similar.
            out.add(new SimilarityClusterDetector(SimilarityClusterSettings.fromConfig(c), b));
        }
        if (on(c, "explanation")) {
            out.add(new ExplanationAbuseDetector(ExplanationAbuseSettings.fromConfig(c)));
        }
        if (on(c, "rate")) {
            out.add(new RateDetector(RateSettings.fromConfig(c), b));
        }
        if (b == null) {
            return out;
        }
        // These compare traffic with the training data: they need the model's baseline.
        if (on(c, "blacklight")) {
            out.add(new BlacklightDetector(BlacklightSettings.fromConfig(c), b));
        }
        if (on(c, "coverage")) {
            out.add(new CoverageDetector(CoverageSettings.fromConfig(c), b));
        }
        if (on(c, "membership") && b.fingerprints() != null) {
            out.add(new MembershipProbeDetector(MembershipProbeSettings.fromConfig(c), b));
        }
        if (on(c, "inversion")) {
            out.add(new InversionDetector(InversionSettings.fromConfig(c), b));
        }
        return out;
    }

    private static boolean on(Config c, String detector) {
        return c.getBoolean("monitor.detectors." + detector + ".enabled");
    }

    /** The client-keyed detectors for events of this model. */
    public List<ServingDetector<?>> forModel(String modelId) {
        List<ServingDetector<?>> d = byModel.get(modelId);
        return d != null ? d : withoutBaseline;
    }

    /**
     * Whether events of this model go into a warm-up sample: the model has no baseline and warm-up
     * calibration is on ({@link WarmupSample}).
     */
    public boolean warmsUp(String modelId) {
        return warmup.enabled() && !baselineForEveryModel && !byModel.containsKey(modelId);
    }

    Config config() {
        return config;
    }

    public WarmupSettings warmup() {
        return warmup;
    }

    /** The detectors for a model once its warm-up has calibrated this baseline (every one that it allows). */
    public List<ServingDetector<?>> forCalibratedModel(ServingBaseline calibrated) {
        return detectors(config, calibrated);
    }

    /** The longest idle timeout of these detectors: a key's state lives this long unused. */
    static Duration idleTimeout(List<ServingDetector<?>> detectors) {
        Duration max = Duration.ZERO;
        for (ServingDetector<?> d : detectors) {
            if (d.idleTimeout().compareTo(max) > 0) {
                max = d.idleTimeout();
            }
        }
        return max;
    }

    /** The rate detector run per source IP (rate rules only: the IP key sees events without features). */
    public RateDetector ipRate() {
        return ipRate;
    }

    /** Every client-keyed detector (one state descriptor each), by id. */
    public Map<String, ServingDetector<?>> all() {
        Map<String, ServingDetector<?>> out = new LinkedHashMap<>();
        for (ServingDetector<?> d : withoutBaseline) {
            out.putIfAbsent(d.id(), d);
        }
        for (List<ServingDetector<?>> list : byModel.values()) {
            for (ServingDetector<?> d : list) {
                out.putIfAbsent(d.id(), d);
            }
        }
        if (warmup.enabled() && !baselineForEveryModel) {
            // The detectors a finished warm-up adds, built on a one-feature placeholder baseline only
            // to learn their ids and threats (the function registers a metric per detector at start).
            double[] q = new double[101];
            ServingBaseline placeholder = new ServingBaseline("*", List.of("features[0]"), new Standardizer(new double[1], new double[] {1}),
                    new double[][] {q}, null, Map.of(), Map.of());
            for (ServingDetector<?> d : forCalibratedModel(placeholder)) {
                out.putIfAbsent(d.id(), d);
            }
        }
        return out;
    }

    /** Models with a baseline, and which detectors are off for models without one. */
    public String describe() {
        TreeSet<String> ids = new TreeSet<>();
        for (ServingDetector<?> d : withoutBaseline) {
            ids.add(d.id());
        }
        List<String> off = new ArrayList<>();
        for (String id : NEED_BASELINE) {
            if (!ids.contains(id)) {
                off.add(id);
            }
        }
        if (baselineForEveryModel) {
            return "one baseline for every model: " + (off.isEmpty() ? "every detector runs" : off + " off (the baseline has no training fingerprints)");
        }
        List<String> waiting = off.stream().filter(id -> !id.equals(MembershipProbeDetector.ID)).toList();
        String others = warmup.enabled() ? waiting + " start once the model's first " + warmup.events() + " events (per subtask, at most "
                        + warmup.maxPerClient() + " per client) have calibrated its thresholds; membership_probe stays off (no training fingerprints)"
                : off + " are off (no baseline, monitor.warmup.enabled is false)";
        return "models with a baseline: " + byModel.keySet() + "; for other models " + others;
    }
}
