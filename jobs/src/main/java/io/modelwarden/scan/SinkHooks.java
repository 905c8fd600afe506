package io.modelwarden.scan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.connect.FindingSinks;
import io.modelwarden.connect.Migrations;
import io.modelwarden.connect.ScanRun;
import io.modelwarden.connect.ScanRuns;
import io.modelwarden.connect.SinkOptions;
import io.modelwarden.model.Finding;
import java.sql.SQLException;
import java.time.Instant;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scan's use of the PostgreSQL and Kafka sinks: migrations before the jobs (so a database that is
 * down or refuses the schema stops the scan before any work), the findings streamed through the Flink
 * connectors during the scoring job, and the run row (with its summary) upserted after it.
 */
final class SinkHooks {
    private static final Logger LOG = LoggerFactory.getLogger(SinkHooks.class);

    private SinkHooks() {}

    static void beforeScan(SinkOptions sinks) {
        if (sinks.jdbcEnabled()) {
            int applied = Migrations.apply(sinks.jdbc());
            LOG.info("PostgreSQL schema up to date ({} migration(s) applied)", applied);
        }
    }

    static void attachFindingSinks(SinkOptions sinks, DataStream<Finding> findings) {
        FindingSinks.attach(findings, sinks);
    }

    static void afterScan(SinkOptions sinks, ObjectNode summary) throws SQLException {
        if (!sinks.jdbcEnabled()) {
            return;
        }
        ObjectNode fp = (ObjectNode) summary.get("fingerprint");
        ObjectNode rows = (ObjectNode) summary.get("rows");
        ScanRuns.upsert(sinks.jdbc(), new ScanRun(
                summary.get("scan_id").asText(),
                fp.get("sha256").asText(),
                rows.get("read").asLong(),
                rows.get("rejected").asLong(),
                fp.get("columns").asInt(),
                Instant.parse(summary.get("started_at").asText()),
                Instant.parse(summary.get("finished_at").asText()),
                summary.get("input").get("path").asText(),
                summary.toString()));
    }
}
