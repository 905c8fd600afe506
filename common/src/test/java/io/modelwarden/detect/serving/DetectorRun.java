package io.modelwarden.detect.serving;

import io.modelwarden.model.InferenceEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Runs a serving detector over events the way the keyed Flink function does, one state per key. */
final class DetectorRun<S> {
    /** A detection and the 1-based number of the key's event that raised it. */
    record Hit(String key, long query, InferenceEvent event, ServingDetection detection) {
        Object evidence(String name) {
            return detection.detection().evidence().get(name);
        }
    }

    final Map<String, S> states = new LinkedHashMap<>();
    final Map<String, Long> counts = new LinkedHashMap<>();
    final List<Hit> hits = new ArrayList<>();
    /** The monitor's first event time, for {@link ServingDetector#newState(long, long)}; null: it started long ago. */
    Long monitorStart;

    /** A run of a monitor that starts at {@code millis} (its first event), so early keys may predate it. */
    static <S> DetectorRun<S> monitorStartingAt(long millis) {
        DetectorRun<S> r = new DetectorRun<>();
        r.monitorStart = millis;
        return r;
    }

    static <S> DetectorRun<S> run(ServingDetector<S> detector, List<InferenceEvent> events, Function<InferenceEvent, String> key) {
        DetectorRun<S> r = new DetectorRun<>();
        r.feed(detector, events, key);
        return r;
    }

    static <S> DetectorRun<S> byClient(ServingDetector<S> detector, List<InferenceEvent> events) {
        return run(detector, events, InferenceEvent::clientKey);
    }

    DetectorRun<S> feed(ServingDetector<S> detector, List<InferenceEvent> events, Function<InferenceEvent, String> key) {
        for (InferenceEvent e : events) {
            String k = key.apply(e);
            S s = states.computeIfAbsent(k, x -> monitorStart == null ? detector.newState() : detector.newState(e.timestampMillis, monitorStart));
            long n = counts.merge(k, 1L, Long::sum);
            Optional<ServingDetection> d = detector.observe(s, e);
            if (d.isPresent()) {
                double score = d.get().detection().score();
                if (!(score >= 0 && score <= 1)) {
                    throw new AssertionError("score out of range: " + score);
                }
                hits.add(new Hit(k, n, e, d.get()));
            }
        }
        return this;
    }

    Set<String> alertedKeys() {
        Set<String> out = new LinkedHashSet<>();
        for (Hit h : hits) {
            out.add(h.key());
        }
        return out;
    }

    List<Hit> hitsOf(String key) {
        List<Hit> out = new ArrayList<>();
        for (Hit h : hits) {
            if (h.key().equals(key)) {
                out.add(h);
            }
        }
        return out;
    }

    Optional<Hit> first(String key) {
        for (Hit h : hits) {
            if (h.key().equals(key)) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    /** Per-hit summary, for same-seed comparisons. */
    List<String> signature() {
        List<String> out = new ArrayList<>();
        for (Hit h : hits) {
            out.add(h.key() + "#" + h.query() + ":" + h.detection());
        }
        return out;
    }
}
