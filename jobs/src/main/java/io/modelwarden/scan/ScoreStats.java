package io.modelwarden.scan;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/** Per row detector: a histogram of every row's score over [0, 1] and the flagged count. Mergeable. */
public final class ScoreStats implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int BINS = 20;

    /** Detector id to {bins..., flagged}. */
    private final LinkedHashMap<String, long[]> byDetector = new LinkedHashMap<>();

    long[] slot(String detector) {
        return byDetector.computeIfAbsent(detector, k -> new long[BINS + 1]);
    }

    static int bin(double score) {
        int b = (int) (score * BINS);
        return b < 0 ? 0 : Math.min(BINS - 1, b);
    }

    public void merge(ScoreStats other) {
        for (Map.Entry<String, long[]> e : other.byDetector.entrySet()) {
            long[] mine = slot(e.getKey());
            for (int i = 0; i < mine.length; i++) {
                mine[i] += e.getValue()[i];
            }
        }
    }

    public long[] histogram(String detector) {
        long[] s = byDetector.get(detector);
        long[] h = new long[BINS];
        if (s != null) {
            System.arraycopy(s, 0, h, 0, BINS);
        }
        return h;
    }

    public long flagged(String detector) {
        long[] s = byDetector.get(detector);
        return s == null ? 0 : s[BINS];
    }
}
