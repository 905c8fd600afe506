package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The migrations in conf/sql on a real PostgreSQL: every version applies once, and the indexes serve the queries. */
class SchemaITCase {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    @Test
    void everyVersionAppliesOnceAndASecondRunIsANoOp() throws Exception {
        String url = PG.createDatabase();
        List<String> onDisk = PostgresExtension.migrationVersions();
        assertThat(onDisk).startsWith("1", "2", "3", "4");

        MigrateResult first = Migrations.migrate(url, PG.user(), PG.password(), Migrations.DEFAULT_LOCATION);
        assertThat(first.migrations).extracting((MigrateOutput m) -> m.version).containsExactlyElementsOf(onDisk);
        assertThat(Migrations.currentVersion(first)).isEqualTo(onDisk.get(onDisk.size() - 1));

        MigrateResult second = Migrations.migrate(url, PG.user(), PG.password(), Migrations.DEFAULT_LOCATION);
        assertThat(second.migrationsExecuted).isZero();
        assertThat(Migrations.currentVersion(second)).isEqualTo(onDisk.get(onDisk.size() - 1));
        assertThat(Migrations.info(url, PG.user(), PG.password(), Migrations.DEFAULT_LOCATION).pending()).isEmpty();

        // The filesystem copy (what --migrations filesystem:conf/sql reads) is the same schema.
        assertThat(Migrations.apply(url, PG.user(), PG.password(), "filesystem:../conf/sql")).isZero();
    }

    @Test
    void dashboardQueriesUseTheirIndexes() throws Exception {
        String url = PG.createDatabase();
        Migrations.apply(url, PG.user(), PG.password());
        try (Connection c = PG.connect(url); Statement s = c.createStatement()) {
            // 20,000 alerts over 50 threats (and 20 of a rare one), 20 models and 500 clients, one a minute;
            // 20,000 findings over 10 scans and 8 kinds.
            s.execute("INSERT INTO alerts (alert_id, detector, threat, stride, model_id, client_id, score, risk_score,"
                    + " priority, event_time, detected_at)"
                    + " SELECT 'a-' || i, 'd-' || (i % 7),"
                    + " CASE WHEN i % 1000 = 0 THEN 'RARE' ELSE 'T' || (i % 50) END, 'TAMPERING', 'm-' || (i % 20), 'c-' || (i % 500),"
                    + " 0.9, 8, 'HIGH', ts, ts FROM generate_series(1, 20000) AS i,"
                    + " LATERAL (SELECT timestamptz '2026-11-01' + i * interval '1 minute' AS ts) t");
            s.execute("INSERT INTO findings (finding_id, scan_id, detector, threat, kind, stride, score, risk_score, priority)"
                    + " SELECT 'f-' || i, 's-' || (i % 10), 'd-' || (i % 9), 'DATA_POISONING', 'K' || (i % 8),"
                    + " 'TAMPERING', 0.7, i % 10, 'MEDIUM' FROM generate_series(1, 20000) AS i");
            s.execute("ANALYZE alerts");
            s.execute("ANALYZE findings");
            // Only the choice between indexes is under test, not index versus a scan of a small table.
            s.execute("SET enable_seqscan = off");

            // A common threat is found as fast by walking alerts_detected_at_idx; a rare one needs its own index.
            assertThat(plan(s, "SELECT * FROM alerts WHERE threat = 'RARE' AND detected_at >= timestamptz '2026-11-10'"
                    + " ORDER BY detected_at DESC LIMIT 50"))
                    .contains("alerts_threat_detected_idx");
            assertThat(plan(s, "SELECT * FROM alerts WHERE model_id = 'm-3' AND threat = 'T23'"
                    + " ORDER BY detected_at DESC LIMIT 20"))
                    .contains("alerts_model_threat_detected_idx");
            assertThat(plan(s, "SELECT * FROM alerts WHERE client_id = 'c-42' AND threat = 'T42'"
                    + " ORDER BY detected_at DESC LIMIT 20"))
                    .contains("alerts_client_threat_detected_idx");
            assertThat(plan(s, "SELECT * FROM findings WHERE scan_id = 's-3' AND kind = 'K3'"
                    + " ORDER BY risk_score DESC LIMIT 20"))
                    .contains("findings_scan_kind_risk_idx");
            // The Grafana "Recent scans" panel counts each scan's findings.
            assertThat(plan(s, "SELECT count(*) FROM findings f WHERE f.scan_id = 's-3'"))
                    .contains("findings_scan_kind_risk_idx");
        }
    }

    @Test
    void v3ReplacesTheSingleColumnFindingsIndexesItCovers() throws Exception {
        String url = PG.createDatabase();
        Migrations.apply(url, PG.user(), PG.password());
        try (Connection c = PG.connect(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT indexname FROM pg_indexes WHERE tablename = 'findings'")) {
            List<String> names = new ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            assertThat(names).contains("findings_scan_kind_risk_idx", "findings_kind_inserted_idx", "findings_priority_idx")
                    .doesNotContain("findings_scan_id_idx", "findings_kind_idx");
        }
    }

    private static String plan(Statement s, String query) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (ResultSet rs = s.executeQuery("EXPLAIN " + query)) {
            while (rs.next()) {
                plan.append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }
}
