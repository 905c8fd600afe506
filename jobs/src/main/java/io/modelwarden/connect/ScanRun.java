package io.modelwarden.connect;

import java.time.Instant;

/**
 * One row of {@code scan_runs}: what the client knows once the scan job has finished.
 *
 * @param summaryJson a JSON object (the run summary), stored as jsonb
 */
public record ScanRun(
        String scanId,
        String datasetSha256,
        long rowsRead,
        long rowsRejected,
        int columns,
        Instant startedAt,
        Instant finishedAt,
        String input,
        String summaryJson) {}
