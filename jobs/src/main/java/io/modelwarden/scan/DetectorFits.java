package io.modelwarden.scan;

import io.modelwarden.config.Config;
import io.modelwarden.detect.poisoning.RowDetector;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.model.TrainingRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fits the sample-based row detectors (isolation forest, kNN label flips). */
final class DetectorFits {
    private DetectorFits() {}

    static void validate(Config c) {}

    static List<RowDetector> fit(Config c, DetectorSuite.Settings s, List<TrainingRow> sample, Standardizer std, String[] names, long seed) {
        return new ArrayList<>();
    }

    /** What the baseline records of a fitted detector: its parameters (and model, where one exists). */
    static Map<String, Object> baselineEntry(RowDetector d) {
        return new LinkedHashMap<>(d.parameters());
    }
}
