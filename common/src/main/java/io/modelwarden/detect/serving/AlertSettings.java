package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link AlertSuppression}, read from {@code monitor.alerts.*}.
 *
 * @param cooldown event time during which repeated alerts of one client and detector are suppressed
 *     (default 10m)
 * @param scoreDelta a repeated alert passes anyway when its score exceeds the last emitted score by more
 *     than this (default 0.1)
 */
public record AlertSettings(Duration cooldown, double scoreDelta) implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "monitor.alerts.";
    public static final String COOLDOWN = PREFIX + "cooldown";
    public static final String SCORE_DELTA = PREFIX + "score-delta";

    public AlertSettings {
        MonitorDurations.requirePositive(COOLDOWN, cooldown);
        if (!(scoreDelta >= 0 && scoreDelta <= 1)) {
            throw ConfigException.invalid(SCORE_DELTA, "in [0, 1]", scoreDelta);
        }
    }

    public static AlertSettings fromConfig(Config c) {
        return new AlertSettings(MonitorDurations.get(c, COOLDOWN), c.getDouble(SCORE_DELTA));
    }

    public static AlertSettings defaults() {
        return new AlertSettings(Duration.ofMinutes(10), 0.1);
    }
}
