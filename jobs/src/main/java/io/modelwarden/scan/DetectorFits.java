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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

    /** @param labelFlipBaseline the baseline label-flip detector's {@link LabelFlipDetector#reference()}, or null */
    static List<Callable<RowDetector>> fits(Config c, DetectorSuite.Settings s, List<TrainingRow> sample, Standardizer std, long seed,
            LabelFlipDetector.Reference labelFlipBaseline) {
        List<Callable<RowDetector>> out = new ArrayList<>();
        if (s.isolationForest()) {
            out.add(() -> {
                List<double[]> z = new ArrayList<>(sample.size());
                for (TrainingRow r : sample) {
                    z.add(std.apply(r.features));
                }
                return IsolationForestDetector.fit(IsolationForestSettings.fromConfig(c, seed), z);
            });
        }
        if (s.labelFlip() && hasLabels(sample)) {
            out.add(() -> LabelFlipDetector.fit(LabelFlipSettings.fromConfig(c, seed), sample, std, labelFlipBaseline));
        }
        return out;
    }

    /**
     * Runs the fits at once, one thread each up to the client's cores (each reads the sample and is
     * seeded on its own, so the detectors are the same as one after the other), and returns the
     * detectors in the fits' order.
     */
    static List<RowDetector> runAll(List<Callable<RowDetector>> fits) {
        if (fits.isEmpty()) {
            return List.of();
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(fits.size(), Runtime.getRuntime().availableProcessors()));
        try {
            List<RowDetector> out = new ArrayList<>();
            for (Future<RowDetector> f : pool.invokeAll(fits)) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fitting the detectors", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
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
