package io.modelwarden.bench;

import io.modelwarden.detect.poisoning.IsolationForestDetector;
import io.modelwarden.detect.poisoning.IsolationForestSettings;
import io.modelwarden.model.TrainingRow;
import io.modelwarden.stats.PrioritySample;
import io.modelwarden.stats.RunningMoments;
import io.modelwarden.synth.Metrics;
import io.modelwarden.synth.PoisonedDataset;
import io.modelwarden.synth.PoisonedDataset.Poison;
import io.modelwarden.synth.PoisonedDataset.Rates;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scoring throughput of our {@link IsolationForestDetector} against scikit-learn's IsolationForest on
 * the same 1,000,000 x 30 rows (PoisonedDataset seed 7, 1% far outliers), both single-threaded.
 *
 * <p>Rows are z-scored (iForest is invariant to per-feature affine maps, so both see the same
 * geometry) and written as float32 {@code .npy} files to a temp dir. Ours is fitted like a scan does
 * it: on a 20,000-row priority sample (100 trees of 256 rows each); scikit-learn fits on all rows
 * with {@code n_estimators=100, max_samples=256, random_state=0, n_jobs=1}. Timed: {@code score()} of
 * every row (after scoring the first 100,000 as JIT warm-up) and {@code score_samples(X)}. The
 * ROC-AUC of both against the injected outliers is printed too.
 *
 * <p>Run: {@code mvn -q -B -o -pl common test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.modelwarden.bench.IsolationForestBenchmark}. Needs {@code /usr/bin/python3}
 * with scikit-learn; when it is missing the benchmark runs {@code apt-get install -y python3-sklearn}.
 * Optional argument: the row count.
 */
public final class IsolationForestBenchmark {
    private static final int FEATURES = 30;
    private static final long DATA_SEED = 7;
    private static final int SAMPLE = 20_000;
    private static final long SAMPLE_SEED = 42;
    private static final int WARMUP_ROWS = 100_000;
    private static final String PYTHON = "/usr/bin/python3";
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static final String SKLEARN_SCRIPT = String.join("\n",
            "import json, sys, time",
            "import numpy as np",
            "from sklearn.ensemble import IsolationForest",
            "from sklearn.metrics import roc_auc_score",
            "import sklearn",
            "X = np.load(sys.argv[1])",
            "y = np.load(sys.argv[2])",
            "m = IsolationForest(n_estimators=100, max_samples=256, random_state=0, n_jobs=1)",
            "t = time.perf_counter(); m.fit(X); fit_s = time.perf_counter() - t",
            "t = time.perf_counter(); c = time.process_time()",
            "s = m.score_samples(X)",
            "score_s = time.perf_counter() - t; score_cpu = time.process_time() - c",
            "print(json.dumps({'version': sklearn.__version__, 'rows': int(X.shape[0]), 'fit_s': fit_s,",
            "    'score_s': score_s, 'score_cpu_s': score_cpu, 'auc': float(roc_auc_score(y, -s))}))",
            "");

    private IsolationForestBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createTempDirectory("warden-iforest-bench");
        System.out.printf("generating %,d x %d rows (PoisonedDataset seed %d, 1%% outliers) into %s%n", rows, FEATURES, DATA_SEED, dir);

        // Pass 1: moments, the reference sample and the raw features as floats (column data, 4 bytes a value).
        PoisonedDataset data = PoisonedDataset.poisoned(DATA_SEED, rows, FEATURES, new Rates(0.01, 0, 0, 0));
        float[] x = new float[rows * FEATURES];
        boolean[] outlier = new boolean[rows];
        RunningMoments[] moments = new RunningMoments[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            moments[j] = new RunningMoments();
        }
        PrioritySample sample = new PrioritySample(SAMPLE, SAMPLE_SEED);
        for (int i = 0; i < rows; i++) {
            TrainingRow r = data.row(i);
            outlier[i] = data.poisonOf(i) == Poison.OUTLIER;
            for (int j = 0; j < FEATURES; j++) {
                x[i * FEATURES + j] = (float) r.features[j];
                moments[j].add(r.features[j]);
            }
            sample.add(r);
        }
        double[] mean = new double[FEATURES];
        double[] std = new double[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            mean[j] = moments[j].mean();
            std[j] = moments[j].stddev() > 0 ? moments[j].stddev() : 1.0;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < FEATURES; j++) {
                int k = i * FEATURES + j;
                x[k] = (float) ((x[k] - mean[j]) / std[j]);
            }
        }
        Path xFile = dir.resolve("x.npy");
        Path yFile = dir.resolve("y.npy");
        writeNpyFloat32(xFile, x, rows, FEATURES);
        writeNpyBool(yFile, outlier);

        // Ours: fit on the z-scored reference sample, as the scan does.
        List<double[]> zSample = new ArrayList<>(SAMPLE);
        for (TrainingRow r : sample.rows()) {
            double[] z = new double[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                z[j] = (r.features[j] - mean[j]) / std[j];
            }
            zSample.add(z);
        }
        long t0 = System.nanoTime();
        IsolationForestDetector forest = IsolationForestDetector.fit(IsolationForestSettings.defaults(), zSample);
        double fitSeconds = (System.nanoTime() - t0) / 1e9;

        TrainingRow row = new TrainingRow();
        double[] z = new double[FEATURES];
        double[] scores = new double[rows];
        for (int i = 0; i < Math.min(WARMUP_ROWS, rows); i++) {
            scores[i] = forest.score(row, toDouble(x, i, z));
        }
        long wall = System.nanoTime();
        long cpu = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < rows; i++) {
            scores[i] = forest.score(row, toDouble(x, i, z));
        }
        double ourSeconds = (System.nanoTime() - wall) / 1e9;
        double ourCpu = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9;
        double ourAuc = Metrics.rocAuc(scores, outlier);
        double ourRate = rows / ourSeconds;
        System.out.printf("warden iForest: fit %.3f s (sample %,d), score %,d rows in %.3f s wall (%.3f s CPU) = %,.0f rows/s wall, %,.0f rows/CPU-s; "
                        + "threshold %.4f; ROC-AUC %.5f%n",
                fitSeconds, zSample.size(), rows, ourSeconds, ourCpu, ourRate, rows / ourCpu, forest.threshold(), ourAuc);

        Map<String, Object> sk = runSklearn(dir, xFile, yFile);
        double skSeconds = ((Number) sk.get("score_s")).doubleValue();
        double skCpu = ((Number) sk.get("score_cpu_s")).doubleValue();
        double skRate = rows / skSeconds;
        System.out.printf("scikit-learn %s IsolationForest: fit %.3f s, score_samples %,d rows in %.3f s wall (%.3f s CPU) = %,.0f rows/s wall, "
                        + "%,.0f rows/CPU-s; ROC-AUC %.5f%n",
                sk.get("version"), ((Number) sk.get("fit_s")).doubleValue(), rows, skSeconds, skCpu, skRate, rows / skCpu,
                ((Number) sk.get("auc")).doubleValue());
        System.out.printf("ratio warden / scikit-learn: %.2fx (wall), %.2fx (CPU)%n", ourRate / skRate, (rows / ourCpu) / (rows / skCpu));

        Files.deleteIfExists(xFile);
        Files.deleteIfExists(yFile);
        Files.deleteIfExists(dir.resolve("bench.py"));
        Files.deleteIfExists(dir);
    }

    private static double[] toDouble(float[] x, int i, double[] z) {
        int off = i * FEATURES;
        for (int j = 0; j < FEATURES; j++) {
            z[j] = x[off + j];
        }
        return z;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> runSklearn(Path dir, Path xFile, Path yFile) throws IOException, InterruptedException {
        if (run(List.of(PYTHON, "-c", "import sklearn"), dir).exit != 0) {
            System.out.println("scikit-learn is missing for " + PYTHON + ": apt-get install -y python3-sklearn");
            Result install = run(List.of("apt-get", "install", "-y", "python3-sklearn"), dir);
            if (install.exit != 0) {
                throw new IllegalStateException("apt-get install python3-sklearn failed:\n" + install.output);
            }
        }
        Path script = dir.resolve("bench.py");
        Files.writeString(script, SKLEARN_SCRIPT);
        Result r = run(List.of(PYTHON, script.toString(), xFile.toString(), yFile.toString()), dir);
        if (r.exit != 0) {
            throw new IllegalStateException("scikit-learn benchmark failed:\n" + r.output);
        }
        String last = r.output.strip().lines().reduce((a, b) -> b).orElse("{}");
        return io.modelwarden.json.Json.MAPPER.readValue(last, Map.class);
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        // One thread for numpy/BLAS/OpenMP: a single-core comparison.
        for (String v : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
            pb.environment().put(v, "1");
        }
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        return new Result(p.exitValue(), out);
    }

    /** A NumPy .npy (format 1.0) of little-endian float32, C order, streamed in chunks. */
    private static void writeNpyFloat32(Path file, float[] x, int rows, int cols) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            writeNpyHeader(out, "<f4", "(" + rows + ", " + cols + ")");
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : x) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(v);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    private static void writeNpyBool(Path file, boolean[] y) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            writeNpyHeader(out, "|b1", "(" + y.length + ",)");
            for (boolean b : y) {
                out.write(b ? 1 : 0);
            }
        }
    }

    private static void writeNpyHeader(OutputStream out, String dtype, String shape) throws IOException {
        StringBuilder h = new StringBuilder("{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shape + ", }");
        // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in '\n'.
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        byte[] header = h.toString().getBytes(StandardCharsets.US_ASCII);
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length & 0xff);
        out.write((header.length >> 8) & 0xff);
        out.write(header);
    }
}
