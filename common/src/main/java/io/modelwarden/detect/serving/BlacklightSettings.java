package io.modelwarden.detect.serving;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of {@link BlacklightDetector}, read from {@code monitor.detectors.blacklight.*}.
 *
 * @param saltSeed seed of the secret salt vector added before quantisation (override in production)
 * @param quantization q of round(v / q) * q on the [0, 255] scale (default 10; the paper's 50 suits
 *     images with thousands of pixels, but leaves only six levels per tabular feature)
 * @param window w values per hashed window; 0 means min(20, max(2, d / 4)) (default 0)
 * @param topHashes S, hashes kept per query (default 50)
 * @param matchRatio T = max(2, ceil(ratio x min(S, windows per query))) (default 0.85: 6 of 7 hashes at
 *     d = 8; on the synthetic tabular scenarios the paper's S/2 (4 of 7) alerted 9% of benign clients and
 *     5 of 7 2%, 6 of 7 0.1%; with S = 50 (wide inputs) it means T = 43, so lower it there)
 * @param robustRange scale each feature with its baseline p01/p99 (true) or min/max (false)
 * @param indexQueries earlier queries in the per-client inverted index, FIFO (default 128)
 * @param indexEntries bound on (hash, query) entries; fewer queries are kept when queries carry many
 *     hashes (default 1024)
 * @param chainLinkRatio QPA chain: a query continues the chain of its best-matching predecessor when they
 *     share at least this share of hashes (default 0.25)
 * @param chainAlertLength alarm when a chain reaches this length; 0: evidence only (default 0)
 * @param recentRepeats exact repeats of one of this many recent queries are ignored (default 128, the
 *     index horizon, so that an exact re-send of any indexed query is never a full match)
 * @param idleTimeout event time without traffic after which the client's state is dropped (default 24h)
 */
public record BlacklightSettings(
        long saltSeed,
        double quantization,
        int window,
        int topHashes,
        double matchRatio,
        boolean robustRange,
        int indexQueries,
        int indexEntries,
        double chainLinkRatio,
        int chainAlertLength,
        int recentRepeats,
        Duration idleTimeout)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "monitor.detectors.blacklight.";
    public static final String SALT_SEED = PREFIX + "salt-seed";
    public static final String QUANTIZATION = PREFIX + "quantization";
    public static final String WINDOW = PREFIX + "window";
    public static final String TOP_HASHES = PREFIX + "top-hashes";
    public static final String MATCH_RATIO = PREFIX + "match-ratio";
    public static final String ROBUST_RANGE = PREFIX + "robust-range";
    public static final String INDEX_QUERIES = PREFIX + "index-queries";
    public static final String INDEX_ENTRIES = PREFIX + "index-entries";
    public static final String CHAIN_LINK_RATIO = PREFIX + "chain-link-ratio";
    public static final String CHAIN_ALERT_LENGTH = PREFIX + "chain-alert-length";
    public static final String RECENT_REPEATS = PREFIX + "recent-repeats";
    public static final String IDLE_TIMEOUT = PREFIX + "idle-timeout";

    public BlacklightSettings {
        if (!(quantization > 0 && quantization <= 255)) {
            throw ConfigException.invalid(QUANTIZATION, "in (0, 255]", quantization);
        }
        if (window < 0) {
            throw ConfigException.invalid(WINDOW, ">= 0", window);
        }
        if (topHashes <= 0) {
            throw ConfigException.invalid(TOP_HASHES, "> 0", topHashes);
        }
        if (!(matchRatio > 0 && matchRatio <= 1)) {
            throw ConfigException.invalid(MATCH_RATIO, "in (0, 1]", matchRatio);
        }
        if (indexQueries < 2) {
            throw ConfigException.invalid(INDEX_QUERIES, ">= 2", indexQueries);
        }
        if (indexEntries < 2) {
            throw ConfigException.invalid(INDEX_ENTRIES, ">= 2", indexEntries);
        }
        if (!(chainLinkRatio > 0 && chainLinkRatio <= 1)) {
            throw ConfigException.invalid(CHAIN_LINK_RATIO, "in (0, 1]", chainLinkRatio);
        }
        if (chainAlertLength < 0) {
            throw ConfigException.invalid(CHAIN_ALERT_LENGTH, ">= 0", chainAlertLength);
        }
        if (recentRepeats < 0) {
            throw ConfigException.invalid(RECENT_REPEATS, ">= 0", recentRepeats);
        }
        MonitorDurations.requirePositive(IDLE_TIMEOUT, idleTimeout);
    }

    public static BlacklightSettings fromConfig(Config c) {
        return new BlacklightSettings(
                c.getLong(SALT_SEED),
                c.getDouble(QUANTIZATION),
                c.getInt(WINDOW),
                c.getInt(TOP_HASHES),
                c.getDouble(MATCH_RATIO),
                c.getBoolean(ROBUST_RANGE),
                c.getInt(INDEX_QUERIES),
                c.getInt(INDEX_ENTRIES),
                c.getDouble(CHAIN_LINK_RATIO),
                c.getInt(CHAIN_ALERT_LENGTH),
                c.getInt(RECENT_REPEATS),
                MonitorDurations.get(c, IDLE_TIMEOUT));
    }

    public static BlacklightSettings defaults() {
        return new BlacklightSettings(1234567L, 10, 0, 50, 0.85, true, 128, 1024, 0.25, 0, 128, Duration.ofHours(24));
    }
}
