package io.modelwarden.bench;

import io.modelwarden.detect.poisoning.LabelFlipDetector;
import io.modelwarden.detect.poisoning.LabelFlipSettings;
import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.detect.poisoning.Standardizer;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.synth.PoisonedDataset;
import io.modelwarden.synth.PoisonedDataset.Rates;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * Single-thread scoring throughput of {@link LabelFlipDetector} with a 20,000-row reference sample,
 * d = 30 (5% flipped labels), in wall and CPU time. Args: [rows=200000] [trees] [leaf-size]
 * (both default to the scan's, {@link LabelFlipSettings#defaults()})
 * [sample=20000]. Run: {@code mvn -q -B -o -pl common test-compile exec:java
 * -Dexec.classpathScope=test -Dexec.mainClass=io.modelwarden.bench.LabelFlipBenchmark}.
 */
public final class LabelFlipBenchmark {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private LabelFlipBenchmark() {}

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int trees = args.length > 1 ? Integer.parseInt(args[1]) : LabelFlipSettings.defaults().trees();
        int leaf = args.length > 2 ? Integer.parseInt(args[2]) : LabelFlipSettings.defaults().leafSize();
        PoisonedDataset data = PoisonedDataset.poisoned(7, rows, 30, new Rates(0, 0.05, 0, 0));
        int sampleSize = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        ScanProfile profile = new ScanProfile(data.featureNames(), sampleSize, 42);
        TrainingRow[] all = new TrainingRow[rows];
        for (int i = 0; i < rows; i++) {
            all[i] = data.row(i);
            profile.add(all[i]);
        }
        Standardizer z = profile.standardizer();
        double[][] zs = new double[rows][];
        for (int i = 0; i < rows; i++) {
            zs[i] = z.apply(all[i].features);
        }
        List<TrainingRow> sample = profile.sample().rows();
        long t0 = System.nanoTime();
        LabelFlipDetector d = LabelFlipDetector.fit(LabelFlipSettings.of(10, 0.5, trees, leaf, 42), sample, z);
        System.out.printf("fit: %.2f s%n", (System.nanoTime() - t0) / 1e9);
        double sink = 0;
        for (int round = 0; round < 4; round++) {
            long start = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            for (int i = 0; i < rows; i++) {
                sink += d.score(all[i], zs[i]);
            }
            double s = (System.nanoTime() - start) / 1e9;
            double c = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9;
            System.out.printf("round %d: %.0f rows/s wall, %.0f rows/s per CPU-second%n", round, rows / s, rows / c);
        }
        System.out.println("checksum " + sink);
    }
}
