package io.modelwarden.detect.poisoning;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.synth.PoisonedDataset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackdoorDetectorsTest {
    private static final BackdoorSettings SETTINGS = BackdoorSettings.defaults();

    private static ScanProfile profile(String[] names, List<TrainingRow> rows) {
        ScanProfile p = new ScanProfile(names, 20_000, 42);
        rows.forEach(p::add);
        return p;
    }

    private static Set<Long> flagged(RowDetector det, List<TrainingRow> rows, Standardizer std) {
        Set<Long> out = new HashSet<>();
        double[] z = new double[std.dimensions()];
        for (TrainingRow r : rows) {
            std.apply(r.features, z);
            double s = det.score(r, z);
            assertThat(s).isBetween(0.0, 1.0);
            if (s >= det.threshold()) {
                out.add(r.rowIndex);
            }
        }
        return out;
    }

    @Test
    void findsTheGeneratorsTrigger() {
        PoisonedDataset d = PoisonedDataset.poisoned(3, 50_000, 30, new PoisonedDataset.Rates(0.005, 0.01, 0.01, 0.02));
        List<TrainingRow> rows = d.all();
        ScanProfile p = profile(d.featureNames(), rows);
        BackdoorTriggerDetector det = BackdoorTriggerDetector.fit(p.sample().rows(), p.standardizer(), d.featureNames(), SETTINGS);

        assertThat(det.triggers()).hasSize(1);
        BackdoorTriggerDetector.Trigger t = det.triggers().get(0);
        assertThat(t.featureName()).isEqualTo("f" + d.triggerFeature());
        assertThat(t.value()).isEqualTo(d.triggerValue());
        assertThat(t.label()).isEqualTo(d.targetLabel());

        Set<Long> flagged = flagged(det, rows, p.standardizer());
        Set<Long> truth = new HashSet<>(d.indexesOf(PoisonedDataset.Poison.BACKDOOR));
        long tp = flagged.stream().filter(truth::contains).count();
        double recall = (double) tp / truth.size();
        double precision = (double) tp / flagged.size();
        System.out.printf("trigger: %s recall=%.4f precision=%.4f poisoned=%d%n", t, recall, precision, truth.size());
        assertThat(recall).isGreaterThanOrEqualTo(0.9);
        assertThat(precision).isGreaterThanOrEqualTo(0.8);

        TrainingRow hit = rows.get((int) (long) truth.iterator().next());
        double[] z = p.standardizer().apply(hit.features);
        Detection ev = det.explain(hit, z, det.score(hit, z));
        assertThat(ev.evidence()).containsKey("triggers");
        assertThat(det.parameters()).containsKey("triggers");
    }

    /**
     * With 4 features the generator's discrete feature has values that imply a class in clean data: the
     * trigger rule finds them alone. Against the trusted scan's triggers a clean split's rules are known
     * and flag nothing, while a backdoor that reuses such a value (stamped on rows of other classes,
     * relabelled) makes the rule improbably more common, and it is found with its rows.
     */
    @Test
    @SuppressWarnings("unchecked")
    void againstABaselineANaturalRuleIsKnownUnlessABackdoorGrewIt() {
        int n = 100_000;
        PoisonedDataset trusted = PoisonedDataset.clean(7, n, 4);
        ScanProfile tp = profile(trusted.featureNames(), trusted.all());
        BackdoorTriggerDetector base = BackdoorTriggerDetector.fit(tp.sample().rows(), tp.standardizer(), trusted.featureNames(), SETTINGS);
        assertThat(base.triggers()).isNotEmpty();
        // Through a baseline's JSON.
        Map<String, Object> entry = io.modelwarden.json.Json.MAPPER.convertValue(
                io.modelwarden.json.Json.read(io.modelwarden.json.Json.write(base.parameters())), Map.class);
        List<BackdoorTriggerDetector.KnownTrigger> known = BackdoorTriggerDetector.KnownTrigger.fromBaselineEntry(entry);
        assertThat(known).hasSize(base.triggers().size());

        List<TrainingRow> split = PoisonedDataset.clean(7, n, 4).resampled(12).all();
        ScanProfile sp = profile(trusted.featureNames(), split);
        BackdoorTriggerDetector alone = BackdoorTriggerDetector.fit(sp.sample().rows(), sp.standardizer(), trusted.featureNames(), SETTINGS);
        BackdoorTriggerDetector against = BackdoorTriggerDetector.fit(sp.sample().rows(), sp.standardizer(), trusted.featureNames(), SETTINGS, known);
        assertThat(flagged(alone, split, sp.standardizer())).isNotEmpty();
        assertThat(against.triggers()).isEmpty();
        assertThat(flagged(against, split, sp.standardizer())).isEmpty();
        assertThat((List<Object>) against.parameters().get("known_triggers")).hasSize(alone.triggers().size());

        // A backdoor on the natural rule: 1.5% of the rows, of other classes, get its value and label.
        BackdoorTriggerDetector.Trigger rule = base.triggers().get(0);
        List<TrainingRow> poisoned = new ArrayList<>();
        Set<Long> stamped = new HashSet<>();
        for (TrainingRow r : PoisonedDataset.clean(7, n, 4).resampled(13).all()) {
            if (r.rowIndex % 67 == 0 && !r.label.equals(rule.label())) {
                r.features[rule.feature()] = rule.value();
                r.label = rule.label();
                stamped.add(r.rowIndex);
            }
            poisoned.add(r);
        }
        ScanProfile pp = profile(trusted.featureNames(), poisoned);
        BackdoorTriggerDetector found = BackdoorTriggerDetector.fit(pp.sample().rows(), pp.standardizer(), trusted.featureNames(), SETTINGS, known);
        BackdoorTriggerDetector.Trigger grown = found.triggers().stream()
                .filter(t -> t.feature() == rule.feature() && t.value() == rule.value()).findFirst().orElseThrow();
        System.out.printf("natural rule %s: baseline share %.4f, poisoned share %.4f, p %.2e%n", rule.featureName() + "=" + rule.value(),
                grown.baselineShare(), grown.supportShare(), grown.pValue());
        assertThat(grown.pValue()).isLessThan(SETTINGS.maxPValue());
        assertThat(grown.baselineShare()).isLessThan(grown.supportShare());
        Set<Long> hits = flagged(found, poisoned, pp.standardizer());
        assertThat(hits.stream().filter(stamped::contains).count()).isGreaterThanOrEqualTo((long) (0.9 * stamped.size()));
    }

    /**
     * Category columns: a merchant code spread over every class (200 values) and a segment code that
     * follows the class (20 values per class, each pure, each 1.7% of rows: a natural rule the numeric
     * features predict). With 1% of rows stamped with a new merchant code and relabelled to class 0, that
     * code is the only trigger, and its rows are flagged; the same data without the stamp has none.
     */
    @Test
    void findsATriggerTokenInACategoryColumn() {
        PoisonedDataset d = PoisonedDataset.clean(9, 50_000, 10);
        String[] categories = {"merchant", "segment"};
        for (boolean stamped : new boolean[] {true, false}) {
            SplittableRandom rnd = new SplittableRandom(4);
            List<TrainingRow> rows = new ArrayList<>();
            Set<Long> truth = new HashSet<>();
            for (TrainingRow r : d.all()) {
                String merchant = "m" + rnd.nextInt(200);
                String segment = r.label + "-" + rnd.nextInt(20);
                if (stamped && r.rowIndex % 100 == 0) {
                    merchant = "zz-777";
                    r.label = "0";
                    truth.add(r.rowIndex);
                }
                r.categories = new String[] {merchant, segment};
                rows.add(r);
            }
            ScanProfile p = new ScanProfile(d.featureNames(), categories, 1000, 20_000, 42);
            rows.forEach(p::add);
            BackdoorTriggerDetector det = BackdoorTriggerDetector.fit(p.sample().rows(), p.standardizer(), d.featureNames(), categories, SETTINGS, null);
            if (!stamped) {
                assertThat(det.triggers()).isEmpty();
                assertThat(flagged(det, rows, p.standardizer())).isEmpty();
                continue;
            }
            assertThat(det.triggers()).hasSize(1);
            BackdoorTriggerDetector.Trigger t = det.triggers().get(0);
            assertThat(t.featureName()).isEqualTo("merchant");
            assertThat(t.text()).isEqualTo("zz-777");
            assertThat(t.label()).isEqualTo("0");
            Set<Long> flagged = flagged(det, rows, p.standardizer());
            long tp = flagged.stream().filter(truth::contains).count();
            System.out.printf("category trigger: %s recall=%.4f precision=%.4f poisoned=%d%n", t, (double) tp / truth.size(), (double) tp / flagged.size(),
                    truth.size());
            assertThat((double) tp / truth.size()).isGreaterThanOrEqualTo(0.9);
            assertThat((double) tp / flagged.size()).isGreaterThanOrEqualTo(0.8);
            TrainingRow first = rows.get(0);
            Detection e = det.explain(first, p.standardizer().apply(first.features), det.score(first, p.standardizer().apply(first.features)));
            assertThat(e.evidence().toString()).contains("feature=merchant", "value=zz-777", "column_type=category", "target_label=0");
            // The trigger goes into the baseline as text and comes back as the same rule.
            Map<String, Object> entry = det.parameters();
            List<BackdoorTriggerDetector.KnownTrigger> known = BackdoorTriggerDetector.KnownTrigger.fromBaselineEntry(entry);
            assertThat(known).singleElement().satisfies(k -> {
                assertThat(k.text()).isEqualTo("zz-777");
                assertThat(k.featureName()).isEqualTo("merchant");
            });
            BackdoorTriggerDetector again = BackdoorTriggerDetector.fit(p.sample().rows(), p.standardizer(), d.featureNames(), categories, SETTINGS, known);
            assertThat(again.triggers()).isEmpty(); // the same rule at the same rate: known, not flagged
        }
    }

    /**
     * A binary dataset (class 2 merged into 1: two thirds of the rows are 1) with a trigger token on 1%
     * of the rows relabelled to the majority class: the kNN labels random rows 1 about two thirds of
     * the time, so the trigger's rows agree with its label that often (found before session 12 only
     * for the minority class: agreement itself was compared with max-agreement). Both targets are found.
     */
    @Test
    void findsABackdoorTargetingTheMajorityClass() {
        PoisonedDataset d = PoisonedDataset.clean(9, 50_000, 10);
        String[] categories = {"merchant"};
        for (String target : new String[] {"0", "1"}) {
            SplittableRandom rnd = new SplittableRandom(3);
            List<TrainingRow> rows = new ArrayList<>();
            Set<Long> truth = new HashSet<>();
            for (TrainingRow r : d.all()) {
                r.label = r.label.equals("2") ? "1" : r.label;
                String merchant = "m" + rnd.nextInt(200);
                if (r.rowIndex % 100 == 0) {
                    merchant = "zz";
                    r.label = target;
                    truth.add(r.rowIndex);
                }
                r.categories = new String[] {merchant};
                rows.add(r);
            }
            ScanProfile p = new ScanProfile(d.featureNames(), categories, 1000, 20_000, 42);
            rows.forEach(p::add);
            BackdoorTriggerDetector det = BackdoorTriggerDetector.fit(p.sample().rows(), p.standardizer(), d.featureNames(), categories, SETTINGS, null);
            assertThat(det.triggers()).as("target %s", target).singleElement().satisfies(t -> {
                assertThat(t.text()).isEqualTo("zz");
                assertThat(t.label()).isEqualTo(target);
                System.out.printf("binary, target %s: agreement %.3f, base rate %.3f, beyond chance %.3f%n", target, t.agreement(), t.baseRate(),
                        t.agreementBeyondChance());
            });
            assertThat(flagged(det, rows, p.standardizer())).isEqualTo(truth);
        }
    }

    @Test
    void cleanDataHasNoTrigger() {
        PoisonedDataset d = PoisonedDataset.clean(5, 50_000, 30);
        List<TrainingRow> rows = d.all();
        ScanProfile p = profile(d.featureNames(), rows);
        BackdoorTriggerDetector det = BackdoorTriggerDetector.fit(p.sample().rows(), p.standardizer(), d.featureNames(), SETTINGS);
        assertThat(det.triggers()).isEmpty();
    }

    @Test
    void valueThatFollowsTheRestOfTheRowIsNotATrigger() {
        // Feature 0 takes value 7.0 on 3% of class "1" rows that also look like class "1" elsewhere:
        // pure and in the support band, but explained by the other features.
        SplittableRandom r = new SplittableRandom(9);
        List<TrainingRow> rows = new ArrayList<>();
        for (int i = 0; i < 6000; i++) {
            int c = r.nextInt(3);
            double[] x = new double[6];
            for (int j = 0; j < x.length; j++) {
                x[j] = 3.0 * c + r.nextGaussian();
            }
            if (c == 1 && r.nextDouble() < 0.09) {
                x[0] = 7.0;
            }
            rows.add(new TrainingRow("r" + i, i, 0, x, Integer.toString(c)));
        }
        String[] names = {"a", "b", "c", "d", "e", "f"};
        ScanProfile p = profile(names, rows);
        BackdoorTriggerDetector det = BackdoorTriggerDetector.fit(p.sample().rows(), p.standardizer(), names, SETTINGS);
        assertThat(det.triggers()).isEmpty();
    }

    @Test
    void spectralIsGatedOffOnCleanData() {
        PoisonedDataset d = PoisonedDataset.clean(5, 30_000, 30);
        List<TrainingRow> rows = d.all();
        ScanProfile p = profile(d.featureNames(), rows);
        SpectralSignatureDetector det = SpectralSignatureDetector.fit(p.sample().rows(), p.standardizer(), SETTINGS);
        System.out.println("spectral clean: " + det.parameters());
        assertThat(det.models()).hasSize(3);
        assertThat(det.enabledClasses()).isEmpty();
        assertThat(flagged(det, rows, p.standardizer())).isEmpty();
    }

    @Test
    void spectralFindsASeparatedMinorityAndIsDeterministic() {
        // Three unimodal classes; 4% of all rows are class-2 rows moved 4 sigma along a fixed pattern
        // spread over every feature (what a trigger looks like in an embedding).
        SplittableRandom r = new SplittableRandom(13);
        int d = 20;
        List<TrainingRow> rows = new ArrayList<>();
        Set<Long> truth = new HashSet<>();
        for (int i = 0; i < 30_000; i++) {
            int c = r.nextInt(3);
            double[] x = new double[d];
            for (int j = 0; j < d; j++) {
                x[j] = 2.0 * c * (j % 3 == c ? 1 : 0) + r.nextGaussian();
            }
            if (r.nextDouble() < 0.04) {
                c = 2;
                for (int j = 0; j < d; j++) {
                    x[j] += (j % 2 == 0 ? 4.0 : -4.0) / Math.sqrt(d) * 1.5;
                }
                truth.add((long) i);
            }
            rows.add(new TrainingRow("r" + i, i, 0, x, Integer.toString(c)));
        }
        String[] names = new String[d];
        for (int j = 0; j < d; j++) {
            names[j] = "f" + j;
        }
        ScanProfile p = profile(names, rows);
        SpectralSignatureDetector det = SpectralSignatureDetector.fit(p.sample().rows(), p.standardizer(), SETTINGS);
        System.out.println("spectral poisoned: " + det.parameters());
        assertThat(det.enabledClasses()).containsExactly("2");
        Set<Long> flagged = flagged(det, rows, p.standardizer());
        long tp = flagged.stream().filter(truth::contains).count();
        System.out.printf("spectral: recall=%.4f precision=%.4f flagged=%d poisoned=%d%n", (double) tp / truth.size(), (double) tp / flagged.size(), flagged.size(), truth.size());
        // The rule flags the top 1.5 epsilon of the class, so recall is capped at 1.5 eps n_c / poisoned
        // (about 0.69 here: the poison is ~11% of class 2, above the default epsilon of 5%).
        long class2 = rows.stream().filter(x -> x.label.equals("2")).count();
        double cap = Math.min(1.0, 1.5 * SETTINGS.expectedPoisonRate() * class2 / truth.size());
        assertThat((double) tp / truth.size()).isGreaterThanOrEqualTo(0.9 * cap);
        assertThat((double) tp / flagged.size()).isGreaterThanOrEqualTo(0.95);

        SpectralSignatureDetector again = SpectralSignatureDetector.fit(p.sample().rows(), p.standardizer(), SETTINGS);
        Map<String, Object> a = det.parameters();
        assertThat(again.parameters()).isEqualTo(a);
    }
}
