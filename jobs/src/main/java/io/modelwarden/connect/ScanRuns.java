package io.modelwarden.connect;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Writes the {@code scan_runs} row. Called by the client after the scan job has finished (the
 * findings were streamed by {@link JdbcFindingSink} while it ran); re-running a scan updates the row.
 */
public final class ScanRuns {

    static final String UPSERT = "INSERT INTO scan_runs (scan_id, dataset_sha256, rows_read, rows_rejected, columns,"
            + " started_at, finished_at, input, summary)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb))"
            + " ON CONFLICT (scan_id) DO UPDATE SET"
            + " dataset_sha256 = EXCLUDED.dataset_sha256, rows_read = EXCLUDED.rows_read,"
            + " rows_rejected = EXCLUDED.rows_rejected, columns = EXCLUDED.columns,"
            + " started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,"
            + " input = EXCLUDED.input, summary = EXCLUDED.summary";

    private ScanRuns() {}

    public static void upsert(JdbcSinkOptions options, ScanRun run) throws SQLException {
        upsert(options.connectionUrl(), options.user(), options.password(), run);
    }

    public static void upsert(String jdbcUrl, String user, String password, ScanRun run) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            upsert(c, run);
        }
    }

    /** On a caller's connection (auto-commit or the caller's transaction). */
    public static void upsert(Connection c, ScanRun run) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UPSERT)) {
            ps.setString(1, run.scanId());
            ps.setString(2, run.datasetSha256());
            ps.setLong(3, run.rowsRead());
            ps.setLong(4, run.rowsRejected());
            ps.setInt(5, run.columns());
            setInstant(ps, 6, run.startedAt());
            setInstant(ps, 7, run.finishedAt());
            ps.setString(8, run.input());
            ps.setString(9, run.summaryJson() == null || run.summaryJson().isBlank() ? "{}" : run.summaryJson());
            ps.executeUpdate();
        }
    }

    private static void setInstant(PreparedStatement ps, int index, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
        }
    }
}
