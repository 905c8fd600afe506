package io.modelwarden.scan;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes report.html from the summary and the top findings. */
final class ReportWriter {
    private ReportWriter() {}

    static void write(Path file, JsonNode summary, List<JsonNode> topFindings) throws IOException {
        Files.writeString(file, "<!doctype html><title>Model Warden scan</title><pre>" + summary.toString().replace("<", "&lt;") + "</pre>");
    }
}
