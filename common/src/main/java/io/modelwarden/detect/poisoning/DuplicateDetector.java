package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.json.Json;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Threat;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * B3: exact and near-duplicate rows, and duplicates whose copies disagree on the label.
 *
 * <p><b>Attack.</b> Repeating chosen rows raises their weight in training (a cheap poisoning that
 * biases the decision boundary, or amplifies a backdoor or flipped label); copies carrying different
 * labels are label-flip poison or a broken labelling pipeline.
 *
 * <p><b>Signal.</b> Rows go to the buckets of a {@link NearDuplicateHash} (a locality-sensitive hash
 * of their z-scores, with the buckets across near borders); within a bucket, exact copies (same
 * {@link DuplicateKeys#exactKey}) are merged and distinct rows join the first earlier row (in file
 * and row order) within {@code radius} root mean square z-score difference, with {@link
 * DuplicateGroup#merge}. A row in several buckets is judged in each, and a job keeps its highest
 * scoring finding per detector. Every group of at least {@code minCopies} rows (with a baseline: of
 * at least {@link #minFlaggedCopies}, the fewest copies improbable under the baseline's duplicate
 * rate, {@link DuplicateRate}) yields one {@code duplicate_hash} DUPLICATE finding per listed member,
 * with score {@code 1 - 1/copies} (0.5 for a pair, 0.67 for three copies, 0.9 for ten: the more
 * copies, the larger the weight an attacker gained). When the copies of a group of at least {@code
 * minCopies} rows carry more than one label, every member whose label is not the group's majority
 * also gets a {@code duplicate_label_conflict} LABEL_FLIP finding with score = the majority's share of
 * the copies (ties go to the smallest label and are marked in the evidence): copies that disagree are
 * suspect whatever the baseline's rate.
 *
 * <p><b>Cost.</b> O(d) hashing per row, one shuffle by bucket (about 1.4 records per row), O(distinct
 * rows x groups) comparisons of 16 bytes per bucket, O(maxMembersListed + labels) memory per group;
 * this class is O(members) per final group.
 *
 * <p><b>Parameters</b> ({@code scan.detectors.duplicates.*}): {@code radius} 0.01 sigma, {@code
 * min-copies} 2, {@code max-members-listed} 1000, {@code max-bucket-rows} 4096, {@code max-p-value}
 * 0.001. Reference:
 * DETECTORS.md B3 (exact hash; near within 0.01 sigma); Deequ's uniqueness constraint.
 */
public final class DuplicateDetector implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String ID = "duplicate_hash";
    public static final String CONFLICT_ID = "duplicate_label_conflict";
    /** Other members' row ids named in one finding's evidence. */
    public static final int MAX_OTHERS_IN_EVIDENCE = 20;

    /** One finding to emit about one member row (the job wraps it with FindingFactory.row). */
    public record MemberFinding(
            String rowId, long rowIndex, int fileIndex, String detector, FindingKind kind, Detection detection) {
        public Threat threat() {
            return Threat.DATA_POISONING;
        }
    }

    private final DuplicateSettings settings;
    /** The baseline's duplicate rate; null without a baseline (or one whose scan counted no copies). */
    private final DuplicateRate baseline;
    private final long minFlaggedCopies;

    public DuplicateDetector(DuplicateSettings settings) {
        this(settings, null);
    }

    /** @param baseline the baseline's duplicate rate, or null to flag every group of {@code min-copies} */
    public DuplicateDetector(DuplicateSettings settings, DuplicateRate baseline) {
        this.settings = settings;
        this.baseline = baseline;
        this.minFlaggedCopies = baseline == null ? settings.minCopies() : baseline.minFlaggedCopies(settings.minCopies(), settings.maxPValue());
    }

    public DuplicateSettings settings() {
        return settings;
    }

    /** The smallest group that gets DUPLICATE findings: {@code min-copies}, or more under a baseline with copies. */
    public long minFlaggedCopies() {
        return minFlaggedCopies;
    }

    /** Cheap filter a job applies before {@link #findings}: only these groups produce output. */
    public boolean isFlagged(DuplicateGroup g) {
        return g.count >= settings.minCopies() && (g.count >= minFlaggedCopies || g.labels.length > 1);
    }

    /** The findings a final group produces; empty unless {@link #isFlagged}. */
    public List<MemberFinding> findings(DuplicateGroup g) {
        List<MemberFinding> out = new ArrayList<>();
        if (!isFlagged(g)) {
            return out;
        }
        int majority = 0;
        boolean tie = false;
        for (int i = 1; i < g.labels.length; i++) {
            if (g.labelCounts[i] > g.labelCounts[majority]) {
                majority = i;
                tie = false;
            } else if (g.labelCounts[i] == g.labelCounts[majority]) {
                tie = true;
            }
        }
        boolean conflict = g.labels.length > 1;
        double dupScore = 1.0 - 1.0 / g.count;
        // The smallest exact key of the copies names the group wherever a bucket found it.
        String key = DuplicateKeys.hex(g.exactMinHi, g.exactMinLo);
        Map<String, Long> labelCounts = new LinkedHashMap<>();
        for (int i = 0; i < g.labels.length; i++) {
            labelCounts.put(g.labels[i], g.labelCounts[i]);
        }
        int listed = g.memberRowIds.length;
        for (int m = 0; m < listed && g.count >= minFlaggedCopies; m++) {
            List<String> others = new ArrayList<>();
            for (int o = 0; o < listed && others.size() < MAX_OTHERS_IN_EVIDENCE; o++) {
                if (o != m) {
                    others.add(g.memberRowIds[o]);
                }
            }
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("copies", g.count);
            ev.put("match", g.allExact() ? "exact" : "near");
            ev.put("radius", settings.radius());
            ev.put("min_copies", minFlaggedCopies);
            if (baseline != null) {
                ev.put("baseline_copies_per_row", baseline.copiesPerRow());
                ev.put("p_value", baseline.pValue(g.count));
            }
            ev.put("group_key", key);
            ev.put("other_row_ids", others);
            ev.put("truncated", g.count - 1 > others.size());
            if (conflict) {
                ev.put("label_counts", labelCounts);
            }
            putImputed(ev, g, m);
            out.add(new MemberFinding(g.memberRowIds[m], g.memberRowIndexes[m], g.memberFileIndexes[m], ID,
                    FindingKind.DUPLICATE, Detection.of(dupScore, ev)));
        }
        if (!conflict) {
            return out;
        }
        String majorityLabel = g.labels[majority];
        double share = (double) g.labelCounts[majority] / g.count;
        for (int m = 0; m < listed; m++) {
            if (g.memberLabels[m].equals(majorityLabel)) {
                continue;
            }
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("label", g.memberLabels[m]);
            ev.put("majority_label", majorityLabel);
            ev.put("majority_share", share);
            ev.put("majority_tie", tie);
            ev.put("label_counts", labelCounts);
            ev.put("copies", g.count);
            ev.put("match", g.allExact() ? "exact" : "near");
            ev.put("group_key", key);
            putImputed(ev, g, m);
            out.add(new MemberFinding(g.memberRowIds[m], g.memberRowIndexes[m], g.memberFileIndexes[m], CONFLICT_ID,
                    FindingKind.LABEL_FLIP, Detection.of(share, ev)));
        }
        return out;
    }

    /** The member's filled-in values, as the row detectors' findings name them ({@code "imputed": {"f3": 0.41}}). */
    private static void putImputed(Map<String, Object> ev, DuplicateGroup g, int m) {
        String imputed = g.memberImputed[m];
        if (!imputed.isEmpty()) {
            ev.put("imputed", Json.read(imputed));
        }
    }
}
