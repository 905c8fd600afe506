package io.modelwarden.synth;

import io.modelwarden.json.InferenceEvents;
import io.modelwarden.model.InferenceEvent;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes serving traffic as JSONL: benign clients, a heavy batch scorer, a retrying client, and three
 * attackers (a JBDA-style extractor, a HopSkipJump-style boundary attack, a near-duplicate prober),
 * against the model trained on {@link PoisonedDataset} {@code (seed, rows, features)}: the same world
 * as the training CSV that {@link DatasetFiles} writes for that seed, so a scan of that CSV gives the
 * baseline.
 */
public final class TrafficFiles {
    private TrafficFiles() {}

    public static List<InferenceEvent> sample(long seed, int features, int trainingRows, int benignClients) {
        TrafficScenarios t = new TrafficScenarios(seed, features, trainingRows);
        List<List<InferenceEvent>> streams = new ArrayList<>(t.benignPopulation(benignClients, 150, seed + 1));
        streams.add(t.batchScorer("batch-scorer", 1_200, seed + 2));
        streams.add(t.retrying("retrying-client", 200, seed + 3));
        streams.add(t.jbdaExtraction("attacker-extraction", 400, seed + 4));
        streams.add(t.hopSkipJump("attacker-boundary", 60, seed + 5));
        streams.add(t.nearDuplicates("attacker-near-duplicates", 100, 0.05, seed + 6));
        return TrafficScenarios.merge(streams);
    }

    public static Path write(List<InferenceEvent> events, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (InferenceEvent e : events) {
                w.write(InferenceEvents.write(e));
                w.write('\n');
            }
        }
        return file;
    }

    /** {@code TrafficFiles OUT.jsonl SEED FEATURES TRAINING_ROWS BENIGN_CLIENTS}; samples/traffic.jsonl is made with this. */
    public static void main(String[] args) throws IOException {
        List<InferenceEvent> events = sample(Long.parseLong(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        write(events, Path.of(args[0]));
        System.out.println("wrote " + args[0] + " (" + events.size() + " events)");
    }
}
