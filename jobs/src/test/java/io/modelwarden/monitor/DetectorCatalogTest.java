package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import io.modelwarden.detect.serving.ServingDetector;
import io.modelwarden.synth.TrafficScenarios;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which detectors a model runs with and without a baseline, and what the job says about it at start. */
class DetectorCatalogTest {
    static final Config CONFIG = Config.defaults();

    @Test
    void aModelWithoutABaselineWaitsForItsWarmupForTheDetectorsThatNeedOne() {
        DetectorCatalog c = DetectorCatalog.build(CONFIG, Map.of(TrafficScenarios.MODEL_ID, TrafficScenarios.standard().baseline()), null);
        assertThat(c.forModel(TrafficScenarios.MODEL_ID)).extracting(ServingDetector::id).contains("blacklight", "similarity_cluster", "model_inversion");
        assertThat(c.forModel("other")).extracting(ServingDetector::id)
                .containsExactly("prada", "stateful_knn", "boundary_probe", "explanation_abuse", "rate_limit");
        assertThat(c.warmsUp("other")).isTrue();
        assertThat(c.warmsUp(TrafficScenarios.MODEL_ID)).isFalse();
        // Every detector a warm-up can add has a metric from the start.
        assertThat(c.all().keySet()).contains("blacklight", "coverage_ood", "model_inversion", "similarity_cluster");
        assertThat(c.describe()).contains("models with a baseline: [credit-v1]")
                .contains("[similarity_cluster, blacklight, coverage_ood, model_inversion] start once the model's first 2000 events")
                .contains("membership_probe stays off");
    }

    @Test
    void withWarmupOffTheyStayOff() {
        DetectorCatalog c = DetectorCatalog.build(CONFIG.with("monitor.warmup.enabled", "false"), Map.of(), null);
        assertThat(c.warmsUp("any")).isFalse();
        assertThat(c.all().keySet()).doesNotContain("blacklight");
        assertThat(c.describe()).contains("[similarity_cluster, blacklight, coverage_ood, membership_probe, model_inversion] are off");
    }

    @Test
    void aBaselineForEveryModelLeavesNothingToWarmUp() {
        DetectorCatalog c = DetectorCatalog.build(CONFIG, Map.of(), TrafficScenarios.standard().baseline());
        assertThat(c.warmsUp("any")).isFalse();
        assertThat(c.describe()).isEqualTo("one baseline for every model: [membership_probe] off (the baseline has no training fingerprints)");
    }
}
