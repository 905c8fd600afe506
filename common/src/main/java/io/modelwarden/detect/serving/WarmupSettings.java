package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;

/**
 * Settings of the warm-up calibration of a model that has no baseline ({@code monitor.warmup.*}); see
 * {@link WarmupSample}.
 *
 * @param enabled calibrate models without a baseline on their first events (true); off, the detectors
 *     that need a baseline stay off for such models
 * @param events events of the model in the calibration sample, per parallel subtask (2,000)
 * @param maxClientShare no client contributes more than this share of the sample (0.05: at least 20
 *     clients), so one client, an attacker among the first, cannot make its own traffic the norm
 */
public record WarmupSettings(boolean enabled, int events, double maxClientShare) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "monitor.warmup.";

    public WarmupSettings {
        if (events < 100 || events > 100_000) {
            throw ConfigException.invalid(PREFIX + "events", "in [100, 100000]", events);
        }
        if (!(maxClientShare > 0 && maxClientShare <= 1)) {
            throw ConfigException.invalid(PREFIX + "max-client-share", "in (0, 1]", maxClientShare);
        }
    }

    /** The most events one client may contribute to the sample (at least 1). */
    public int maxPerClient() {
        return Math.max(1, (int) Math.floor(maxClientShare * events));
    }

    public static WarmupSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static WarmupSettings fromConfig(Config c) {
        return new WarmupSettings(c.getBoolean(PREFIX + "enabled"), c.getInt(PREFIX + "events"), c.getDouble(PREFIX + "max-client-share"));
    }
}
