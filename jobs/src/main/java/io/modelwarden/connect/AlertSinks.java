package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.json.Json;
import io.modelwarden.model.Alert;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attaches every configured alert sink ({@link MonitorSinkOptions}) to the monitor's alert stream:
 * {@code DIR/alerts.jsonl} ({@link JsonLinesSink}, parallelism 1, for local runs: a restarted attempt
 * rewrites the file, so on a cluster use PostgreSQL or Kafka), PostgreSQL ({@link JdbcAlertSink}) and
 * Kafka ({@link KafkaAlertSink}). The schema is not migrated here: the client calls
 * {@link Migrations#apply(JdbcSinkOptions)} before submitting the job.
 */
public final class AlertSinks {
    private static final Logger LOG = LoggerFactory.getLogger(AlertSinks.class);
    public static final String FILE_UID = "write-alerts";

    private AlertSinks() {}

    /** Credentials from the process environment. */
    public static List<DataStreamSink<Alert>> attach(DataStream<Alert> alerts, Config config) {
        return attach(alerts, MonitorSinkOptions.fromConfig(config));
    }

    /** Returns the sinks attached (none when all are off). */
    public static List<DataStreamSink<Alert>> attach(DataStream<Alert> alerts, MonitorSinkOptions options) {
        List<DataStreamSink<Alert>> sinks = new ArrayList<>(3);
        if (options.fileEnabled()) {
            LOG.info("Alerts sink: {}", options.alertsFile());
            sinks.add(JsonLinesSink.attach(alerts, options.alertsFile(), Json::alert, FILE_UID));
        }
        if (options.jdbcEnabled()) {
            LOG.info("Alerts sink: {}", options.jdbc());
            sinks.add(JdbcAlertSink.attach(alerts, options.jdbc()));
        }
        if (options.kafkaEnabled()) {
            LOG.info("Alerts sink: {}", options.kafka());
            sinks.add(KafkaAlertSink.attach(alerts, options.kafka()));
        }
        return sinks;
    }
}
