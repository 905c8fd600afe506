package io.modelwarden.bench;

import io.modelwarden.json.InferenceEvents;
import io.modelwarden.model.InferenceEvent;
import java.time.Instant;
import java.util.Random;

/**
 * Single-thread parse throughput of {@link InferenceEvents#parse} on generated serving events (d
 * features, a two-class prediction), in events/s and MB/s. Args: [events=500000] [features=32]
 * [rounds=5]. Run: {@code mvn -q -B -o -pl common test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.modelwarden.bench.InferenceEventsBenchmark}.
 */
public final class InferenceEventsBenchmark {

    private InferenceEventsBenchmark() {}

    public static void main(String[] args) {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int d = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String[] lines = lines(events, d);
        long bytes = 0;
        for (String l : lines) {
            bytes += l.length();
        }
        System.out.printf("%,d events, %d features, %.0f bytes/event%n", events, d, (double) bytes / events);
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            long start = System.nanoTime();
            for (String line : lines) {
                InferenceEvents.Result result = InferenceEvents.parse(line, d);
                sink += result.event().features.length;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("round %d: %,.0f events/s, %.1f MB/s%n", r + 1, events / seconds, bytes / seconds / 1e6);
        }
        if (sink != (long) events * d * rounds) {
            throw new AssertionError("parsed " + sink + " features");
        }
    }

    static String[] lines(int events, int d) {
        Random random = new Random(3);
        long t0 = Instant.parse("2026-11-29T08:00:00Z").toEpochMilli();
        String[] out = new String[events];
        for (int i = 0; i < events; i++) {
            InferenceEvent e = new InferenceEvent();
            e.eventId = "evt-" + i;
            e.timestampMillis = t0 + i * 7L;
            e.modelId = "fraud-v3";
            e.clientId = "client-" + random.nextInt(5000);
            e.sourceIp = "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
            e.features = new double[d];
            for (int j = 0; j < d; j++) {
                e.features[j] = random.nextGaussian() * 10;
            }
            double p = random.nextDouble();
            e.predictedLabel = p > 0.5 ? "1" : "0";
            e.confidence = Math.max(p, 1 - p);
            e.probabilities = new double[] {1 - p, p};
            e.explanationRequested = random.nextInt(20) == 0;
            out[i] = InferenceEvents.write(e);
        }
        return out;
    }
}
