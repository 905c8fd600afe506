package io.modelwarden.detect.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MonitorSettingsTest {
    private final Config c = Config.defaults();

    @Test
    void defaultsMirrorWardenYaml() {
        assertThat(PradaSettings.fromConfig(c)).isEqualTo(PradaSettings.defaults());
        assertThat(StatefulKnnSettings.fromConfig(c)).isEqualTo(StatefulKnnSettings.defaults());
        assertThat(BlacklightSettings.fromConfig(c)).isEqualTo(BlacklightSettings.defaults());
        assertThat(BoundaryProbeSettings.fromConfig(c)).isEqualTo(BoundaryProbeSettings.defaults());
        assertThat(AlertSettings.fromConfig(c)).isEqualTo(AlertSettings.defaults());
        for (String d : new String[] {"prada", "stateful-knn", "blacklight", "boundary"}) {
            assertThat(c.getBoolean("monitor.detectors." + d + ".enabled")).isTrue();
        }
    }

    @Test
    void invalidValuesNameTheKey() {
        assertThatThrownBy(() -> PradaSettings.fromConfig(c.with("monitor.detectors.prada.delta", "1.5")))
                .isInstanceOf(ConfigException.class).hasMessage("monitor.detectors.prada.delta must be in (0, 1), was 1.5");
        assertThatThrownBy(() -> PradaSettings.fromConfig(c.with("monitor.detectors.prada.distance-window", "1000")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("monitor.detectors.prada.distance-window must be <= 5000 / max-classes");
        assertThatThrownBy(() -> StatefulKnnSettings.fromConfig(c.with("monitor.detectors.stateful-knn.buffer-size", "50")))
                .isInstanceOf(ConfigException.class).hasMessage("monitor.detectors.stateful-knn.buffer-size must be > k (50), was 50");
        assertThatThrownBy(() -> BlacklightSettings.fromConfig(c.with("monitor.detectors.blacklight.quantization", "0")))
                .isInstanceOf(ConfigException.class).hasMessage("monitor.detectors.blacklight.quantization must be in (0, 255], was 0.0");
        assertThatThrownBy(() -> BoundaryProbeSettings.fromConfig(c.with("monitor.detectors.boundary.min-queries", "500")))
                .isInstanceOf(ConfigException.class).hasMessage("monitor.detectors.boundary.min-queries must be in [1, window], was 500");
        assertThatThrownBy(() -> AlertSettings.fromConfig(c.with("monitor.alerts.score-delta", "-0.1")))
                .isInstanceOf(ConfigException.class).hasMessage("monitor.alerts.score-delta must be in [0, 1], was -0.1");
    }

    @Test
    void durations() {
        assertThat(MonitorDurations.parse("k", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(MonitorDurations.parse("k", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(MonitorDurations.parse("k", "10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(MonitorDurations.parse("k", "24h")).isEqualTo(Duration.ofHours(24));
        assertThat(MonitorDurations.parse("k", "7d")).isEqualTo(Duration.ofDays(7));
        assertThat(MonitorDurations.parse("k", "PT90S")).isEqualTo(Duration.ofSeconds(90));
        assertThatThrownBy(() -> AlertSettings.fromConfig(c.with("monitor.alerts.cooldown", "soon")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("monitor.alerts.cooldown must be a duration");
        assertThatThrownBy(() -> AlertSettings.fromConfig(c.with("monitor.alerts.cooldown", "0s")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("monitor.alerts.cooldown must be > 0");
    }
}
