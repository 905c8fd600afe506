package io.modelwarden.connect;

import io.modelwarden.model.Finding;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;

/**
 * Findings into PostgreSQL's {@code findings} table through the Flink JDBC connector's Sink V2
 * {@link JdbcSink}, at-least-once. {@code finding_id} is deterministic, so {@code ON CONFLICT
 * (finding_id) DO NOTHING} makes replays and re-runs of a scan add no rows.
 *
 * <p>Failure: a batch that fails is retried {@code max-retries} times (the connector re-validates
 * the connection between attempts), then the writer throws and the task fails; Flink's restart
 * strategy restarts the job and finally fails it. Records are never dropped silently.
 */
public final class JdbcFindingSink {

    static final String INSERT = "INSERT INTO findings (finding_id, scan_id, row_id, row_index, detector, threat,"
            + " kind, stride, score, risk_score, priority, evidence)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb))"
            + " ON CONFLICT (finding_id) DO NOTHING";

    private JdbcFindingSink() {}

    /**
     * The connector's {@link JdbcSink} (at-least-once), wrapped so that its writer's {@code close()}
     * cannot turn a failed batch into a fatal TaskManager error (see {@link CloseSafeSink}).
     */
    public static Sink<Finding> create(JdbcSinkOptions options) {
        return options.sink(new InsertFinding());
    }

    public static DataStreamSink<Finding> attach(DataStream<Finding> findings, JdbcSinkOptions options) {
        return findings.sinkTo(create(options)).name("findings-postgres").uid("findings-postgres");
    }

    /** Binds one finding to {@link #INSERT}, in the JSON contract's representation. */
    static final class InsertFinding implements JdbcQueryStatement<Finding> {
        private static final long serialVersionUID = 1L;

        @Override
        public String query() {
            return INSERT;
        }

        @Override
        public void statement(PreparedStatement ps, Finding f) throws SQLException {
            ps.setString(1, f.findingId);
            ps.setString(2, f.scanId);
            if (f.isDatasetLevel()) {
                ps.setNull(3, Types.VARCHAR);
                ps.setNull(4, Types.BIGINT);
            } else {
                ps.setString(3, f.rowId);
                ps.setLong(4, f.rowIndex);
            }
            ps.setString(5, f.detector);
            ps.setString(6, f.threat.name());
            ps.setString(7, f.kind.name());
            ps.setString(8, f.stride.name());
            ps.setDouble(9, f.score);
            ps.setInt(10, f.riskScore);
            ps.setString(11, f.priority.name());
            ps.setString(12, f.evidenceJson == null || f.evidenceJson.isBlank() ? "{}" : f.evidenceJson);
        }
    }
}
