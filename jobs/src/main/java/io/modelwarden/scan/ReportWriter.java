package io.modelwarden.scan;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.scan.report.ScanReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Writes report.html from the summary and the top findings. */
final class ReportWriter {
    private ReportWriter() {}

    static void write(Path file, JsonNode summary, List<JsonNode> topFindings) throws IOException {
        ScanReport.write(file, summary, topFindings);
    }
}
