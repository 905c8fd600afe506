package io.modelwarden.scan;

import io.modelwarden.config.Config;
import io.modelwarden.detect.poisoning.IsolationForestDetector;
import io.modelwarden.detect.poisoning.IsolationForestSettings;
import io.modelwarden.detect.poisoning.LabelFlipDetector;
import io.modelwarden.detect.poisoning.LabelFlipSettings;
import io.modelwarden.detect.poisoning.RowDetector;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.model.TrainingRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fits the sample-based row detectors: the isolation forest and the kNN label-flip detector. */
final class DetectorFits {
    private DetectorFits() {}

    static void validate(Config c) {
        IsolationForestSettings.fromConfig(c, 0);
        LabelFlipSettings.fromConfig(c, 0);
    }

    static List<RowDetector> fit(Config c, DetectorSuite.Settings s, List<TrainingRow> sample, Standardizer std, String[] names, long seed) {
        List<RowDetector> out = new ArrayList<>();
        if (s.isolationForest()) {
            List<double[]> z = new ArrayList<>(sample.size());
            for (TrainingRow r : sample) {
                z.add(std.apply(r.features));
            }
            out.add(IsolationForestDetector.fit(IsolationForestSettings.fromConfig(c, seed), z));
        }
        if (s.labelFlip() && hasLabels(sample)) {
            out.add(LabelFlipDetector.fit(LabelFlipSettings.fromConfig(c, seed), sample, std));
        }
        return out;
    }

    private static boolean hasLabels(List<TrainingRow> sample) {
        return !sample.isEmpty() && sample.get(0).label != null;
    }

    /** What the baseline records of a fitted detector: its parameters, and its model where one exists. */
    static Map<String, Object> baselineEntry(RowDetector d) {
        Map<String, Object> entry = new LinkedHashMap<>(d.parameters());
        if (d instanceof IsolationForestDetector forest) {
            entry.put("model", forest.toModelJson());
        }
        return entry;
    }
}
