package io.modelwarden.detect.serving;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.stats.Hashing;
import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sybil indicator: how many client ids share one source IP, and by how much that should raise the
 * severity of their extraction and adversarial alerts (DETECTORS.md S9, "many client_ids behind one
 * source_ip"). Key: {@code model_id|source_ip}. Plain Java; the monitor joins the factor onto alerts.
 *
 * <p><b>Attack.</b> Splitting an extraction or a query-based attack across accounts keeps every
 * per-client statistic under its threshold (Sybil attacks against PRADA, Juuti et al. 2019; against
 * stateful detection, Chen et al. 2020).
 *
 * <p><b>Signal.</b> A table of at most {@code max-tracked} 64-bit client-id hashes with their last
 * event time; entries idle for longer than {@code window} expire. n = live entries (a lower bound once
 * the table is full: {@link Verdict#saturated()}). Factor = 1 for n <= {@code normal-clients}, else
 * min({@code max-factor}, 1 + 0.25 log2(n / normal-clients)): 6 clients give 1.25, 12 give 1.5, 48
 * give 2.0 (at the default cap). A capped table rather than a HyperLogLog: the counts that matter are
 * small (tens), where an exact table is both smaller and exact, and expiry per client needs the
 * last-seen times a sketch cannot keep. Carrier-grade NAT and corporate proxies put many honest
 * clients behind one address: the factor only raises severity, it never alerts by itself.
 *
 * <p><b>Cost.</b> O(max-tracked) per event (expiry and lookup in one pass). <b>Memory per key</b> at
 * defaults: 64 x 16 B + 8 B, about 1 KiB.
 */
public final class SplitAccountTracker implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The multiplier for the alerts of clients behind this IP, and why. */
    public record Verdict(double factor, int distinctClients, boolean saturated, Map<String, Object> evidence) {}

    private final SplitAccountSettings settings;

    public SplitAccountTracker(SplitAccountSettings settings) {
        this.settings = settings;
    }

    public Class<SplitAccountState> stateClass() {
        return SplitAccountState.class;
    }

    public SplitAccountState newState() {
        SplitAccountState s = new SplitAccountState();
        s.clientHashes = new long[settings.maxTracked()];
        s.lastSeen = new long[settings.maxTracked()];
        return s;
    }

    public Duration idleTimeout() {
        return settings.idleTimeout();
    }

    /** Folds one event of the IP in and returns the current factor. */
    public Verdict observe(SplitAccountState s, InferenceEvent e) {
        long h = clientHash(e.clientId);
        long t = e.timestampMillis;
        long expireBefore = t - settings.window().toMillis();
        int found = -1;
        int free = -1;
        int live = 0;
        for (int i = 0; i < s.clientHashes.length; i++) {
            if (s.clientHashes[i] != 0 && s.lastSeen[i] < expireBefore) {
                s.clientHashes[i] = 0;
            }
            if (s.clientHashes[i] == 0) {
                if (free < 0) {
                    free = i;
                }
                continue;
            }
            live++;
            if (s.clientHashes[i] == h) {
                found = i;
            }
        }
        if (found >= 0) {
            s.lastSeen[found] = Math.max(s.lastSeen[found], t);
        } else if (free >= 0) {
            s.clientHashes[free] = h;
            s.lastSeen[free] = t;
            live++;
            s.overflow = 0;
        } else {
            s.overflow++;
        }
        return verdict(live, s.overflow > 0);
    }

    /** The factor for n distinct clients behind one IP. */
    public double factor(int n) {
        if (n <= settings.normalClients()) {
            return 1.0;
        }
        return Math.min(settings.maxFactor(), 1 + 0.25 * (Math.log((double) n / settings.normalClients()) / Math.log(2)));
    }

    private Verdict verdict(int n, boolean saturated) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("distinct_clients", n);
        ev.put("saturated", saturated);
        ev.put("normal_clients", settings.normalClients());
        ev.put("window_minutes", settings.window().toMinutes());
        double f = factor(n);
        ev.put("severity_factor", f);
        return new Verdict(f, n, saturated, ev);
    }

    /** 64-bit FNV-1a of the id, finalised; never 0 (0 marks a free slot). */
    static long clientHash(String id) {
        long h = 0xcbf29ce484222325L;
        String s = id == null ? "" : id;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h = Hashing.mix64(h);
        return h == 0 ? 1 : h;
    }
}
