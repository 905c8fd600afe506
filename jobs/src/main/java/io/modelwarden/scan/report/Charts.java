package io.modelwarden.scan.report;

import static io.modelwarden.scan.report.Html.esc;

import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts for the HTML report, generated as text: no scripts, no external resources. The
 * {@code svg} elements carry no {@code xmlns} attribute on purpose: the HTML parser puts inline
 * {@code <svg>} into the SVG namespace by itself, and the page stays free of URLs.
 */
final class Charts {
    /** One bar of a horizontal bar chart; {@code note} is printed after the value (may be null). */
    record Bar(String label, double value, String color, String note) {}

    static final String NEUTRAL = "#64748b";
    static final String FLAGGED = "#dc2626";

    private static final int HBAR_WIDTH = 560;
    private static final int HBAR_LABEL = 170;
    private static final int HBAR_ROW = 24;
    private static final int HBAR_VALUE = 110;
    private static final int LABEL_CHARS = 24;

    private static final int HIST_WIDTH = 560;
    private static final int HIST_HEIGHT = 200;
    private static final int HIST_LEFT = 48;
    private static final int HIST_RIGHT = 14;
    private static final int HIST_TOP = 18;
    private static final int HIST_BOTTOM = 34;

    private Charts() {}

    /** A horizontal bar chart, bars scaled to the largest value. */
    static String horizontalBars(String ariaLabel, List<Bar> bars) {
        double max = 0;
        for (Bar b : bars) {
            max = Math.max(max, b.value());
        }
        int height = bars.size() * HBAR_ROW + 8;
        int area = HBAR_WIDTH - HBAR_LABEL - HBAR_VALUE;
        StringBuilder s = new StringBuilder(256 + bars.size() * 320);
        svgOpen(s, "chart hbar", HBAR_WIDTH, height, ariaLabel);
        int y = 4;
        for (Bar b : bars) {
            double w = max <= 0 ? 0 : Math.max(b.value() > 0 ? 2 : 0, area * b.value() / max);
            String value = Html.number(b.value()) + (b.note() == null ? "" : "  " + b.note());
            s.append("<g><title>").append(esc(b.label())).append(": ").append(esc(value)).append("</title>");
            s.append("<text class=\"lbl\" x=\"").append(HBAR_LABEL - 8).append("\" y=\"").append(y + 16)
                    .append("\" text-anchor=\"end\">").append(esc(Html.clip(b.label(), LABEL_CHARS))).append("</text>");
            s.append("<rect x=\"").append(HBAR_LABEL).append("\" y=\"").append(y + 4).append("\" width=\"")
                    .append(fmt(area)).append("\" height=\"").append(HBAR_ROW - 8)
                    .append("\" rx=\"3\" fill=\"#f1f5f9\"/>");
            s.append("<rect x=\"").append(HBAR_LABEL).append("\" y=\"").append(y + 4).append("\" width=\"")
                    .append(fmt(w)).append("\" height=\"").append(HBAR_ROW - 8).append("\" rx=\"3\" fill=\"")
                    .append(b.color()).append("\"/>");
            s.append("<text class=\"val\" x=\"").append(HBAR_LABEL + area + 8).append("\" y=\"").append(y + 16)
                    .append("\">").append(esc(value)).append("</text></g>");
            y += HBAR_ROW;
        }
        s.append("</svg>");
        return s.toString();
    }

    /**
     * A score histogram over [lo, hi] with a logarithmic count axis (flagged tails are usually a few
     * rows next to thousands of clean ones, and would vanish on a linear axis). Bins at or above the
     * threshold are drawn in red and the threshold itself as a dashed line.
     */
    static String histogram(String ariaLabel, long[] counts, double lo, double hi, Double threshold) {
        int plotW = HIST_WIDTH - HIST_LEFT - HIST_RIGHT;
        int plotH = HIST_HEIGHT - HIST_TOP - HIST_BOTTOM;
        long max = 0;
        for (long c : counts) {
            max = Math.max(max, c);
        }
        double logMax = Math.log10(1 + Math.max(1, max));
        StringBuilder s = new StringBuilder(1024 + counts.length * 200);
        svgOpen(s, "chart histogram", HIST_WIDTH, HIST_HEIGHT, ariaLabel);
        int baseY = HIST_TOP + plotH;

        // Count axis: powers of ten up to the largest bin.
        for (long tick = 1; tick <= Math.max(1, max); tick *= 10) {
            double y = baseY - plotH * Math.log10(1 + tick) / logMax;
            s.append("<line class=\"grid\" x1=\"").append(HIST_LEFT).append("\" x2=\"").append(HIST_LEFT + plotW)
                    .append("\" y1=\"").append(fmt(y)).append("\" y2=\"").append(fmt(y)).append("\"/>");
            s.append("<text class=\"tick\" x=\"").append(HIST_LEFT - 6).append("\" y=\"").append(fmt(y + 4))
                    .append("\" text-anchor=\"end\">").append(shortCount(tick)).append("</text>");
            if (tick > Long.MAX_VALUE / 10) {
                break;
            }
        }

        double binW = counts.length == 0 ? 0 : (double) plotW / counts.length;
        double step = counts.length == 0 ? 0 : (hi - lo) / counts.length;
        for (int i = 0; i < counts.length; i++) {
            double from = lo + i * step;
            double to = from + step;
            boolean flagged = threshold != null && to > threshold + 1e-12;
            double h = counts[i] <= 0 ? 0 : Math.max(1.5, plotH * Math.log10(1 + counts[i]) / logMax);
            double x = HIST_LEFT + i * binW;
            s.append("<rect x=\"").append(fmt(x + 1)).append("\" y=\"").append(fmt(baseY - h))
                    .append("\" width=\"").append(fmt(Math.max(1, binW - 2))).append("\" height=\"")
                    .append(fmt(h)).append("\" fill=\"").append(flagged ? FLAGGED : NEUTRAL)
                    .append("\"><title>").append(fmtScore(from)).append(" \u2013 ").append(fmtScore(to))
                    .append(": ").append(Html.integer(counts[i])).append(" rows</title></rect>");
        }

        s.append("<line class=\"axis\" x1=\"").append(HIST_LEFT).append("\" x2=\"").append(HIST_LEFT + plotW)
                .append("\" y1=\"").append(baseY).append("\" y2=\"").append(baseY).append("\"/>");
        for (int q = 0; q <= 4; q++) {
            double x = HIST_LEFT + plotW * q / 4.0;
            s.append("<text class=\"tick\" x=\"").append(fmt(x)).append("\" y=\"").append(baseY + 16)
                    .append("\" text-anchor=\"middle\">").append(fmtScore(lo + (hi - lo) * q / 4.0)).append("</text>");
        }
        s.append("<text class=\"tick\" x=\"").append(HIST_LEFT + plotW).append("\" y=\"").append(HIST_HEIGHT - 2)
                .append("\" text-anchor=\"end\">score</text>");
        s.append("<text class=\"tick\" x=\"4\" y=\"").append(HIST_TOP - 6).append("\">rows (log)</text>");

        if (threshold != null && hi > lo && threshold >= lo && threshold <= hi) {
            double x = HIST_LEFT + plotW * (threshold - lo) / (hi - lo);
            boolean labelLeft = x > HIST_LEFT + plotW * 0.8;
            s.append("<line class=\"threshold\" x1=\"").append(fmt(x)).append("\" x2=\"").append(fmt(x))
                    .append("\" y1=\"").append(HIST_TOP - 4).append("\" y2=\"").append(baseY).append("\"/>");
            s.append("<text class=\"thr\" x=\"").append(fmt(labelLeft ? x - 5 : x + 5)).append("\" y=\"")
                    .append(HIST_TOP + 6).append("\" text-anchor=\"").append(labelLeft ? "end" : "start")
                    .append("\">threshold ").append(esc(Html.number(threshold))).append("</text>");
        }
        s.append("</svg>");
        return s.toString();
    }

    private static void svgOpen(StringBuilder s, String cls, int w, int h, String ariaLabel) {
        s.append("<svg class=\"").append(cls).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" role=\"img\" aria-label=\"").append(esc(ariaLabel)).append("\">");
    }

    private static String shortCount(long v) {
        if (v >= 1_000_000_000L) {
            return v / 1_000_000_000L + "G";
        }
        if (v >= 1_000_000L) {
            return v / 1_000_000L + "M";
        }
        if (v >= 1_000L) {
            return v / 1_000L + "k";
        }
        return Long.toString(v);
    }

    private static String fmtScore(double v) {
        return new java.math.BigDecimal(v)
                .setScale(3, java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros()
                .toPlainString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
