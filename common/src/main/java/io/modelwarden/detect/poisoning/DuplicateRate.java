package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Threat;
import io.modelwarden.stats.Tails;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * B3's expected duplicate rate: how many copies a trusted baseline's rows had, and the two tests a
 * later scan makes against it. Many datasets hold copies that nobody injected (quantised sensors,
 * categorical rows, repeated customers); flagging each of them buries the injected ones.
 *
 * <p><b>Model.</b> Every distinct row of the data has a number of extra copies that is Poisson with
 * mean {@link #copiesPerRow} = the baseline's extra copies / its distinct rows (an extra copy is a
 * row that joins an earlier row's group: a group of c rows holds c - 1).
 *
 * <p><b>Per group</b> ({@link #pValue}): a group of c rows has c - 1 extra copies; it is flagged when
 * P(Poisson(mean) >= c - 1) is below {@code max-p-value} (DETECTORS.md B3: p < 1e-3), so a baseline
 * with 1% of its rows doubled flags groups of three or more, and one without copies flags pairs.
 *
 * <p><b>Per dataset</b> ({@link #excess}): the share of this scan's rows that are extra copies,
 * against the baseline's share. A DUPLICATE finding ({@code duplicate_rate}) when the excess is larger
 * than {@code max-excess-share} (an effect size: 0.001 of the rows) and the count is improbable under
 * the baseline's share (P(Poisson(share x rows) >= extra copies) below {@code max-p-value}, which
 * keeps a few copies in a small file from counting as an excess). This finds copies injected as pairs
 * into data that has pairs of its own, which no per-group test can tell apart.
 *
 * <p>Cost: O(1). Reference: DETECTORS.md B3; {@link Tails#poisson}.
 *
 * @param baselineRows rows of the baseline's scan
 * @param baselineExtraCopies its extra copies (rows that joined an earlier row's group)
 * @param baselineRadius the near-duplicate radius its scan used (NaN when the entry does not say):
 *     both scans calibrate their own, so the evidence names both
 */
public record DuplicateRate(long baselineRows, long baselineExtraCopies, double baselineRadius) implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String ID = "duplicate_rate";
    /** Keys of the duplicate detector's entry in a baseline. */
    public static final String ROWS_KEY = "rows";
    public static final String EXTRA_COPIES_KEY = "extra_copies";
    public static final String RADIUS_KEY = "radius";

    public DuplicateRate {
        if (baselineRows < 0 || baselineExtraCopies < 0 || baselineExtraCopies > baselineRows) {
            throw new IllegalArgumentException("extra copies " + baselineExtraCopies + " of " + baselineRows + " rows");
        }
    }

    public DuplicateRate(long baselineRows, long baselineExtraCopies) {
        this(baselineRows, baselineExtraCopies, Double.NaN);
    }

    /** The rate a baseline entry ({@link #ROWS_KEY}, {@link #EXTRA_COPIES_KEY}) states; empty when it has none. */
    public static Optional<DuplicateRate> fromBaselineEntry(Map<String, Object> entry) {
        if (entry == null || !(entry.get(ROWS_KEY) instanceof Number rows) || !(entry.get(EXTRA_COPIES_KEY) instanceof Number extra)) {
            return Optional.empty();
        }
        double radius = entry.get(RADIUS_KEY) instanceof Number r ? r.doubleValue() : Double.NaN;
        return Optional.of(new DuplicateRate(rows.longValue(), extra.longValue(), radius));
    }

    /** Mean extra copies per distinct row of the baseline. */
    public double copiesPerRow() {
        long distinct = baselineRows - baselineExtraCopies;
        return distinct == 0 ? 0 : (double) baselineExtraCopies / distinct;
    }

    /** Share of the baseline's rows that are extra copies. */
    public double share() {
        return baselineRows == 0 ? 0 : (double) baselineExtraCopies / baselineRows;
    }

    /** How improbable a group of {@code copies} rows is under the baseline. */
    public double pValue(long copies) {
        return Tails.poisson(copiesPerRow(), copies - 1);
    }

    /** The smallest group (at least {@code minCopies} rows) whose {@link #pValue} is below {@code maxPValue}. */
    public long minFlaggedCopies(int minCopies, double maxPValue) {
        long c = minCopies;
        while (pValue(c) >= maxPValue) {
            c++;
        }
        return c;
    }

    /**
     * The dataset-level finding of a scan of {@code rows} rows with {@code extraCopies} extra copies,
     * or empty when their share is within {@code max-excess-share} of the baseline's or not
     * improbable under it.
     */
    public Optional<DatasetDetection> excess(long rows, long extraCopies, DuplicateSettings s) {
        if (rows == 0) {
            return Optional.empty();
        }
        double observed = (double) extraCopies / rows;
        double excess = observed - share();
        double expected = share() * rows;
        double p = Tails.poisson(expected, extraCopies);
        if (!(excess > s.maxExcessShare()) || !(p < s.maxPValue())) {
            return Optional.empty();
        }
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("rows", rows);
        ev.put("extra_copies", extraCopies);
        ev.put("share", observed);
        ev.put("baseline_rows", baselineRows);
        ev.put("baseline_extra_copies", baselineExtraCopies);
        ev.put("baseline_share", share());
        ev.put("expected_extra_copies", expected);
        ev.put("excess_share", excess);
        ev.put("max_excess_share", s.maxExcessShare());
        ev.put("p_value", p);
        ev.put("max_p_value", s.maxPValue());
        ev.put("radius", s.radius());
        ev.put("baseline_radius", Double.isNaN(baselineRadius) ? null : baselineRadius);
        // 0.5 at the threshold, 0.9 at nine times it.
        double score = excess / (excess + s.maxExcessShare());
        return Optional.of(new DatasetDetection(ID, Threat.DATA_POISONING, FindingKind.DUPLICATE, "__dataset__", Detection.of(score, ev)));
    }
}
