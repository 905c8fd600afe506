package io.modelwarden.connect;

import io.modelwarden.model.Alert;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;

/**
 * Alerts into PostgreSQL's {@code alerts} table (conf/sql/V2__alerts.sql) through the Flink JDBC
 * connector's Sink V2 {@link JdbcSink}, at-least-once. {@code alert_id} is deterministic (detector,
 * key, window, last event id), so {@code ON CONFLICT (alert_id) DO NOTHING} makes replays, restarts
 * from a checkpoint and re-runs add no rows. Times are bound as {@code timestamptz} (UTC), the
 * evidence as {@code jsonb}. Failures behave as in {@link JdbcFindingSink}: retried
 * {@code max-retries} times, then the task fails; the writer is wrapped in {@link CloseSafeSink}.
 */
public final class JdbcAlertSink {
    public static final String UID = "alerts-postgres";

    static final String INSERT = "INSERT INTO alerts (alert_id, detector, threat, stride, model_id, client_id,"
            + " source_ip, score, risk_score, priority, event_time, window_start, window_end, detected_at, evidence,"
            + " likelihood, impact)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?)"
            + " ON CONFLICT (alert_id) DO NOTHING";

    private JdbcAlertSink() {}

    /** The connector's sink, wrapped like the findings sink (see {@link JdbcSinkOptions#sink}). */
    public static Sink<Alert> create(JdbcSinkOptions options) {
        return options.sink(new InsertAlert());
    }

    public static DataStreamSink<Alert> attach(DataStream<Alert> alerts, JdbcSinkOptions options) {
        return alerts.sinkTo(create(options)).name(UID).uid(UID);
    }

    /** Binds one alert to {@link #INSERT}, in the JSON contract's representation. */
    static final class InsertAlert implements JdbcQueryStatement<Alert> {
        private static final long serialVersionUID = 1L;

        @Override
        public String query() {
            return INSERT;
        }

        @Override
        public void statement(PreparedStatement ps, Alert a) throws SQLException {
            ps.setString(1, a.alertId);
            ps.setString(2, a.detector);
            ps.setString(3, a.threat.name());
            ps.setString(4, a.stride.name());
            ps.setString(5, a.modelId);
            ps.setString(6, a.clientId);
            ps.setString(7, a.sourceIp);
            ps.setDouble(8, a.score);
            ps.setInt(9, a.riskScore);
            ps.setString(10, a.priority.name());
            setTime(ps, 11, a.eventTimeMillis);
            setTime(ps, 12, a.windowStartMillis);
            setTime(ps, 13, a.windowEndMillis);
            setTime(ps, 14, a.detectedAtMillis);
            ps.setString(15, a.evidenceJson == null || a.evidenceJson.isBlank() ? "{}" : a.evidenceJson);
            ps.setString(16, a.likelihood);
            ps.setString(17, a.impact);
        }

        /** epoch millis as timestamptz: PgJDBC binds OffsetDateTime as timestamp with time zone. */
        private static void setTime(PreparedStatement ps, int index, long epochMillis) throws SQLException {
            ps.setObject(index, OffsetDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC),
                    Types.TIMESTAMP_WITH_TIMEZONE);
        }
    }
}
