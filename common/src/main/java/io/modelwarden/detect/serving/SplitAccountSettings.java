package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link SplitAccountTracker} ({@code monitor.detectors.rate.split-accounts.*}).
 *
 * @param window a client counts for its IP this long after its last query (60 min)
 * @param maxTracked client ids tracked per IP; beyond, the count saturates (64)
 * @param normalClients up to this many clients per IP leave severity unchanged (3)
 * @param maxFactor cap of the severity multiplier (2.0)
 * @param idleTimeout state is dropped after this much event time without traffic (120 min)
 */
public record SplitAccountSettings(Duration window, int maxTracked, int normalClients, double maxFactor, Duration idleTimeout)
        implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "monitor.detectors.rate.split-accounts.";

    public SplitAccountSettings {
        if (window == null || window.isNegative() || window.isZero()) {
            throw ConfigException.invalid(PREFIX + "window-minutes", "> 0", window);
        }
        if (maxTracked < 2 || maxTracked > 4096) {
            throw ConfigException.invalid(PREFIX + "max-tracked", "in [2, 4096]", maxTracked);
        }
        if (normalClients < 1 || normalClients >= maxTracked) {
            throw ConfigException.invalid(PREFIX + "normal-clients", "in [1, max-tracked=" + maxTracked + ")", normalClients);
        }
        if (!(maxFactor >= 1) || !Double.isFinite(maxFactor)) {
            throw ConfigException.invalid(PREFIX + "max-factor", ">= 1", maxFactor);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw ConfigException.invalid(PREFIX + "idle-timeout", "> 0", idleTimeout);
        }
    }

    public static SplitAccountSettings defaults() {
        return fromConfig(Config.defaults());
    }

    public static SplitAccountSettings fromConfig(Config c) {
        return new SplitAccountSettings(
                Duration.ofMinutes(c.positiveInt(PREFIX + "window-minutes")),
                c.getInt(PREFIX + "max-tracked"),
                c.getInt(PREFIX + "normal-clients"),
                c.getDouble(PREFIX + "max-factor"),
                MonitorDurations.get(c, PREFIX + "idle-timeout"));
    }
}
