package io.modelwarden.scan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.connect.InputSchema;
import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.RowDetector;
import io.modelwarden.detect.poisoning.ScanProfile;
import io.modelwarden.json.Json;
import io.modelwarden.model.Finding;
import io.modelwarden.model.TrainingRow;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The detectors of one scan, fitted in the client on the merged profile (and the baseline): the row
 * detectors shipped to the scoring pass, the dataset-level findings (schema, drift) decided from the
 * profile alone, and what goes into summary.json and baseline/.
 */
final class DetectorSuite {
    private final ScanOptions options;
    private final ScanProfile profile;
    private final ScanModel model;
    private final List<Finding> datasetFindings;

    private DetectorSuite(ScanOptions options, ScanProfile profile, ScanModel model, List<Finding> datasetFindings) {
        this.options = options;
        this.profile = profile;
        this.model = model;
        this.datasetFindings = datasetFindings;
    }

    static DetectorSuite fit(ScanOptions options, InputSchema schema, ScanProfile profile, long rejected, FindingFactory factory) {
        List<RowDetector> detectors = new ArrayList<>();
        ScanModel model = new ScanModel(profile.standardizer(), detectors, factory);
        return new DetectorSuite(options, profile, model, new ArrayList<>());
    }

    ScanModel model() {
        return model;
    }

    List<Finding> datasetFindings() {
        return datasetFindings;
    }

    /** Findings from detectors that need a shuffle (duplicates); null when none. */
    DataStream<Finding> extraFindings(StreamExecutionEnvironment env, DataStream<TrainingRow> rows) {
        return null;
    }

    /** Further aggregates to collect (fingerprints); null when none. */
    DataStream<ScanOutput> extraOutputs(DataStream<TrainingRow> rows) {
        return null;
    }

    ObjectNode detectorsJson(ScoreStats scores, Map<String, Long> flaggedByDetector) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        for (RowDetector d : model.detectors()) {
            ObjectNode n = out.putObject(d.id());
            n.put("kind", d.kind().name());
            n.put("enabled", true);
            n.put("threshold", Json.round(d.threshold(), 6));
            n.put("flagged", scores.flagged(d.id()));
            n.set("parameters", Json.MAPPER.valueToTree(d.parameters()));
            ObjectNode h = n.putObject("score_histogram");
            h.put("bins", ScoreStats.BINS);
            h.set("counts", Json.MAPPER.valueToTree(scores.histogram(d.id())));
        }
        return out;
    }

    ObjectNode driftJson() {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.putNull("baseline");
        return n;
    }

    void writeBaseline(Path dir, String scanId, ObjectNode fingerprint, ScanJob.ScoreResult scored) throws IOException {
        java.nio.file.Files.createDirectories(dir);
    }
}
