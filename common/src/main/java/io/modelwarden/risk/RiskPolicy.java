package io.modelwarden.risk;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Priority;
import io.modelwarden.model.Threat;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.Map;

/**
 * Risk score (1..10) and priority from a likelihood x impact matrix. The default is the
 * threat-modeling guide's matrix (DETECTORS.md): data poisoning Medium x High = 8 High, model stealing
 * High x Critical = 9 Critical, adversarial High x Medium = 7 High, membership inference Medium x High
 * = 8 High, model inversion Low x Critical = 6 Medium, backdoor Low x Critical = 6 Medium,
 * explainability Medium x Medium = 5 Medium; denial of service is not in the guide and defaults to
 * High x Medium = 7 High.
 *
 * <p>A detector's score moves the likelihood one step: up when the score is at least {@code
 * risk.likelihood.raise-at} (strong evidence), down when below {@code risk.likelihood.lower-below}.
 * Every cell of the matrix, each category's likelihood and impact, and the priority bands are
 * configuration keys under {@code risk.}.
 */
public final class RiskPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Rows of the guide's matrix. Backdoor findings use their own row; the rest follow their threat. */
    public enum Category {
        DATA_POISONING,
        MODEL_STEALING,
        ADVERSARIAL,
        MEMBERSHIP_INFERENCE,
        MODEL_INVERSION,
        BACKDOOR,
        EXPLAINABILITY_ABUSE,
        DENIAL_OF_SERVICE;

        public String key() {
            return name().toLowerCase().replace('_', '-');
        }

        public static Category of(Threat threat, FindingKind kind) {
            if (kind == FindingKind.BACKDOOR) {
                return BACKDOOR;
            }
            return valueOf(threat.name());
        }
    }

    public enum Likelihood {
        LOW,
        MEDIUM,
        HIGH
    }

    public enum Impact {
        MEDIUM,
        HIGH,
        CRITICAL
    }

    /** The outcome for one finding or alert. */
    public record Assessment(int riskScore, Priority priority, Likelihood likelihood, Impact impact) {}

    private final EnumMap<Category, Likelihood> likelihoods;
    private final EnumMap<Category, Impact> impacts;
    private final int[][] scores; // [likelihood][impact]
    private final double raiseAt;
    private final double lowerBelow;
    private final int criticalAt;
    private final int highAt;
    private final int mediumAt;

    private RiskPolicy(
            EnumMap<Category, Likelihood> likelihoods,
            EnumMap<Category, Impact> impacts,
            int[][] scores,
            double raiseAt,
            double lowerBelow,
            int criticalAt,
            int highAt,
            int mediumAt) {
        this.likelihoods = likelihoods;
        this.impacts = impacts;
        this.scores = scores;
        this.raiseAt = raiseAt;
        this.lowerBelow = lowerBelow;
        this.criticalAt = criticalAt;
        this.highAt = highAt;
        this.mediumAt = mediumAt;
    }

    public static RiskPolicy defaults() {
        return fromConfig(Config.defaults());
    }

    public static RiskPolicy fromConfig(Config c) {
        EnumMap<Category, Likelihood> l = new EnumMap<>(Category.class);
        EnumMap<Category, Impact> i = new EnumMap<>(Category.class);
        for (Category cat : Category.values()) {
            String base = "risk.threats." + cat.key();
            l.put(cat, c.getEnum(base + ".likelihood", Likelihood.class));
            i.put(cat, c.getEnum(base + ".impact", Impact.class));
        }
        int[][] scores = new int[Likelihood.values().length][Impact.values().length];
        for (Likelihood li : Likelihood.values()) {
            for (Impact im : Impact.values()) {
                String key = "risk.matrix." + li.name().toLowerCase() + "." + im.name().toLowerCase();
                int s = c.getInt(key);
                if (s < 1 || s > 10) {
                    throw ConfigException.invalid(key, "in [1, 10]", s);
                }
                scores[li.ordinal()][im.ordinal()] = s;
            }
        }
        double raise = c.doubleIn("risk.likelihood.raise-at", 0, 1);
        double lower = c.doubleIn("risk.likelihood.lower-below", 0, 1);
        if (lower > raise) {
            throw ConfigException.invalid("risk.likelihood.lower-below", "<= risk.likelihood.raise-at (" + raise + ")", lower);
        }
        int critical = c.getInt("risk.priority.critical-at");
        int high = c.getInt("risk.priority.high-at");
        int medium = c.getInt("risk.priority.medium-at");
        if (!(medium <= high && high <= critical)) {
            throw ConfigException.invalid("risk.priority.high-at", "between medium-at (" + medium + ") and critical-at (" + critical + ")", high);
        }
        return new RiskPolicy(l, i, scores, raise, lower, critical, high, medium);
    }

    /** Likelihood and impact of a category before the detector's score adjusts them. */
    public Assessment base(Category category) {
        return assess(category, likelihoods.get(category));
    }

    /** Risk of one detection: the category's matrix cell, likelihood moved one step by the score. */
    public Assessment assess(Threat threat, FindingKind kind, double score) {
        return assess(Category.of(threat, kind), score);
    }

    public Assessment assess(Category category, double score) {
        Likelihood l = likelihoods.get(category);
        if (score >= raiseAt && l.ordinal() < Likelihood.HIGH.ordinal()) {
            l = Likelihood.values()[l.ordinal() + 1];
        } else if (score < lowerBelow && l.ordinal() > 0) {
            l = Likelihood.values()[l.ordinal() - 1];
        }
        return assess(category, l);
    }

    private Assessment assess(Category category, Likelihood l) {
        Impact i = impacts.get(category);
        int s = scores[l.ordinal()][i.ordinal()];
        return new Assessment(s, priorityOf(s), l, i);
    }

    public Priority priorityOf(int riskScore) {
        if (riskScore >= criticalAt) {
            return Priority.CRITICAL;
        }
        if (riskScore >= highAt) {
            return Priority.HIGH;
        }
        if (riskScore >= mediumAt) {
            return Priority.MEDIUM;
        }
        return Priority.LOW;
    }

    public Map<Category, Likelihood> likelihoods() {
        return new EnumMap<>(likelihoods);
    }
}
