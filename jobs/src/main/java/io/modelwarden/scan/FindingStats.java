package io.modelwarden.scan;

import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Counts of findings by kind, detector and priority, and the top findings (highest risk, then
 * score) as rendered JSON lines, for summary.json and the report. Bounded: {@code top} lines kept.
 */
public final class FindingStats implements Serializable {
    private static final long serialVersionUID = 1L;

    record Ranked(int risk, double score, String id, String json) implements Serializable {}

    /** Least severe first (the heap's head is evicted). Serializable: the heap is shipped. */
    private static final class LeastSevereFirst implements Comparator<Ranked>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Ranked a, Ranked b) {
            int c = Integer.compare(a.risk, b.risk);
            if (c == 0) {
                c = Double.compare(a.score, b.score);
            }
            return c != 0 ? c : b.id.compareTo(a.id);
        }
    }

    private static final Comparator<Ranked> WORST_LAST = new LeastSevereFirst();

    private final int top;
    long total;
    final TreeMap<String, Long> byKind = new TreeMap<>();
    final TreeMap<String, Long> byDetector = new TreeMap<>();
    final TreeMap<String, Long> byPriority = new TreeMap<>();
    private final PriorityQueue<Ranked> best;

    public FindingStats(int top) {
        this.top = top;
        this.best = new PriorityQueue<>(WORST_LAST);
    }

    public void add(Finding f) {
        total++;
        byKind.merge(f.kind.name(), 1L, Long::sum);
        byDetector.merge(f.detector, 1L, Long::sum);
        byPriority.merge(f.priority.name(), 1L, Long::sum);
        offer(new Ranked(f.riskScore, f.score, f.findingId, null), f);
    }

    private void offer(Ranked r, Finding f) {
        if (best.size() < top) {
            best.add(new Ranked(r.risk(), r.score(), r.id(), Json.finding(f)));
        } else if (top > 0 && WORST_LAST.compare(r, best.peek()) > 0) {
            best.poll();
            best.add(new Ranked(r.risk(), r.score(), r.id(), Json.finding(f)));
        }
    }

    public void merge(FindingStats o) {
        total += o.total;
        o.byKind.forEach((k, v) -> byKind.merge(k, v, Long::sum));
        o.byDetector.forEach((k, v) -> byDetector.merge(k, v, Long::sum));
        o.byPriority.forEach((k, v) -> byPriority.merge(k, v, Long::sum));
        for (Ranked r : o.best) {
            if (best.size() < top) {
                best.add(r);
            } else if (WORST_LAST.compare(r, best.peek()) > 0) {
                best.poll();
                best.add(r);
            }
        }
    }

    public long total() {
        return total;
    }

    /** Top findings, worst first, as JSON lines of the contract. */
    public List<String> topFindings() {
        List<Ranked> sorted = new ArrayList<>(best);
        sorted.sort(WORST_LAST.reversed());
        List<String> out = new ArrayList<>();
        for (Ranked r : sorted) {
            out.add(r.json());
        }
        return out;
    }
}
