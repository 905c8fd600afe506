package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.model.Finding;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attaches every configured finding sink (PostgreSQL, Kafka) to the scan's finding stream. The
 * schema is not migrated here: the client calls {@link Migrations#apply(JdbcSinkOptions)} before
 * submitting the job and {@link ScanRuns#upsert} after it.
 */
public final class FindingSinks {
    private static final Logger LOG = LoggerFactory.getLogger(FindingSinks.class);

    private FindingSinks() {}

    /** Credentials from the process environment; returns the sinks attached (none when all are off). */
    public static List<DataStreamSink<Finding>> attach(DataStream<Finding> findings, Config config) {
        return attach(findings, SinkOptions.fromConfig(config));
    }

    public static List<DataStreamSink<Finding>> attach(DataStream<Finding> findings, SinkOptions options) {
        List<DataStreamSink<Finding>> sinks = new ArrayList<>(2);
        if (options.jdbcEnabled()) {
            LOG.info("Findings sink: {}", options.jdbc());
            sinks.add(JdbcFindingSink.attach(findings, options.jdbc()));
        }
        if (options.kafkaEnabled()) {
            LOG.info("Findings sink: {}", options.kafka());
            sinks.add(KafkaFindingSink.attach(findings, options.kafka()));
        }
        return sinks;
    }
}
