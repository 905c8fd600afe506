package io.modelwarden.monitor;

import io.modelwarden.detect.serving.ServingBaseline;
import io.modelwarden.detect.serving.WarmupSample;
import io.modelwarden.detect.serving.WarmupSettings;
import io.modelwarden.model.InferenceEvent;
import java.io.IOException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.InstantiationUtil;

/**
 * One subtask's warm-ups of the models without a baseline ({@link WarmupSample}): the sample of each
 * model still warming up, and the baseline each finished warm-up calibrated. Each parallel subtask of
 * {@link ServingDetectorsFunction} calibrates on the events of its own keys (no coordination between
 * subtasks; at parallelism p each sees about 1/p of the model's clients).
 *
 * <p>Kept in union operator state, so that after a restore, at any parallelism, every subtask has the
 * calibrated baselines: for a model calibrated by several subtasks the first in the restored list wins,
 * as does the first unfinished sample of a model that none has calibrated.
 */
final class ModelWarmups implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, WarmupSample> samples = new LinkedHashMap<>();
    private final LinkedHashMap<String, ServingBaseline> calibrated = new LinkedHashMap<>();

    /** The model's calibrated baseline, or null while it warms up. */
    ServingBaseline calibrated(String modelId) {
        return calibrated.get(modelId);
    }

    /**
     * Offers an event of a model that warms up. Returns the complete sample when this event completed
     * it (the caller calibrates and {@link #finish}es), else null.
     */
    WarmupSample offer(InferenceEvent e, WarmupSettings settings) {
        WarmupSample s = samples.computeIfAbsent(e.modelId, m -> new WarmupSample(m, settings));
        s.offer(e);
        return s.complete() ? s : null;
    }

    /** Records a model's calibrated baseline and drops its sample. */
    void finish(String modelId, ServingBaseline baseline) {
        samples.remove(modelId);
        calibrated.put(modelId, baseline);
    }

    byte[] toBytes() throws IOException {
        return InstantiationUtil.serializeObject(this);
    }

    /** Merges the snapshots of every subtask (union state) as the class comment says. */
    static ModelWarmups restore(Iterable<byte[]> snapshots) throws IOException, ClassNotFoundException {
        ModelWarmups out = new ModelWarmups();
        for (byte[] b : snapshots) {
            ModelWarmups w = InstantiationUtil.deserializeObject(b, ModelWarmups.class.getClassLoader());
            w.calibrated.forEach(out.calibrated::putIfAbsent);
            w.samples.forEach(out.samples::putIfAbsent);
        }
        out.samples.keySet().removeAll(out.calibrated.keySet());
        return out;
    }

    /** Models still warming up, with how far each got (for the log). */
    List<String> describe() {
        return samples.values().stream().map(WarmupSample::describe).toList();
    }

    Map<String, ServingBaseline> calibratedModels() {
        return Map.copyOf(calibrated);
    }
}
