package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's database operator steps, run as written on a real PostgreSQL: the roles, the grants
 * after {@code warden db migrate}, and the server log settings. Each role can do its job and no more.
 */
class DatabaseRolesITCase {
    private static final Pattern SQL_BLOCK = Pattern.compile("```sql\n(.*?)```", Pattern.DOTALL);
    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final String SHA = "c".repeat(64);

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    private static String readme;
    private static String url;

    @BeforeAll
    static void operatorSteps() throws Exception {
        String all = Files.readString(Path.of("../README.md"));
        int from = all.indexOf("\n### Database\n");
        readme = all.substring(from, all.indexOf("\n## ", from + 1));  // to the next section
        try (Connection c = PG.connect(PG.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            execute(s, block("CREATE ROLE warden_owner"));
        }
        url = PG.jdbcUrl("warden");
        assertThat(Migrations.apply(url, "warden_owner", "change-me")).isPositive();
        try (Connection c = as("warden_owner"); Statement s = c.createStatement()) {
            execute(s, block("GRANT INSERT, SELECT (alert_id) ON alerts"));
        }
    }

    /** The README's ```sql block that contains {@code marker}. */
    private static String block(String marker) {
        Matcher m = SQL_BLOCK.matcher(readme);
        while (m.find()) {
            if (m.group(1).contains(marker)) {
                return m.group(1);
            }
        }
        throw new AssertionError("README, Operations / Database: no sql block with " + marker);
    }

    /** Statement by statement (CREATE DATABASE and ALTER SYSTEM refuse to run inside a transaction). */
    private static void execute(Statement s, String block) throws SQLException {
        for (String sql : statements(block)) {
            s.execute(sql);
        }
    }

    private static List<String> statements(String block) {
        List<String> out = new ArrayList<>();
        for (String sql : block.split(";[ \\t]*(--[^\\n]*)?\\n")) {
            if (!sql.isBlank()) {
                out.add(sql.strip());
            }
        }
        return out;
    }

    private static Connection as(String role) throws SQLException {
        return DriverManager.getConnection(url, role, "change-me");
    }

    private static void assertRefused(Statement s, String sql) {
        assertThatThrownBy(() -> s.execute(sql)).as(sql)
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(INSUFFICIENT_PRIVILEGE));
    }

    @Test
    void theJobsWriterStartsInsertsAndUpsertsButCannotChangeOrRead() throws Exception {
        assertThat(Migrations.apply(url, "warden_writer", "change-me")).as("the start-up check").isZero();
        try (Connection c = as("warden_writer"); Statement s = c.createStatement()) {
            for (int round = 0; round < 2; round++) {  // the second round is a replay: no new rows, no error
                try (PreparedStatement ps = c.prepareStatement(JdbcAlertSink.INSERT)) {
                    new JdbcAlertSink.InsertAlert().statement(ps, TestAlerts.alerts("roles", 1, 1).get(0));
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(JdbcFindingSink.INSERT)) {
                    new JdbcFindingSink.InsertFinding().statement(ps, TestFindings.scan("scan-roles", 1).get(0));
                    ps.executeUpdate();
                }
                Instant t = Instant.parse("2026-11-29T10:00:00Z");
                ScanRuns.upsert(c, new ScanRun("scan-roles", "ab", 10, 0, 3, t, t.plusSeconds(round), "in.csv", "{}"));
            }
            assertRefused(s, "SELECT evidence FROM alerts");  // only the key it conflicts on is readable
            assertRefused(s, "UPDATE alerts SET priority = 'LOW'");
            assertRefused(s, "DELETE FROM findings");
            assertRefused(s, "TRUNCATE scan_runs");
            assertRefused(s, "INSERT INTO ai_models (model_id, name, version, artifact_uri, sha256, owner)"
                    + " VALUES ('x', 'x', '1', 'file:///x', '" + SHA + "', 'o')");
            assertRefused(s, "SELECT count(*) FROM ai_model_audits");
            assertRefused(s, "CREATE TABLE stray (x int)");
        }
        try (Connection c = as("warden_analyst"); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM alerts), (SELECT count(*) FROM findings),"
                        + " (SELECT count(*) FROM scan_runs)")) {
            rs.next();
            assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3))).containsExactly(1L, 1L, 1L);
        }
    }

    @Test
    void theRegistryIsAuditedAndAnalystsReadTheTrailWithTheReviewQuery() throws Exception {
        try (Connection c = as("model_registry"); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ai_models (model_id, name, version, stage, artifact_uri, sha256, owner)"
                    + " VALUES ('credit-v9', 'credit', '9', 'production', 'file:///m/9', '" + SHA + "', 'risk')");
            assertRefused(s, "SELECT count(*) FROM ai_model_audits");
            // Switching the trigger off takes the owner or a superuser.
            assertRefused(s, "ALTER TABLE ai_models DISABLE TRIGGER ai_models_audit");
            assertRefused(s, "SET session_replication_role = replica");
        }
        try (Connection c = as("warden_analyst"); Statement s = c.createStatement()) {
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(block("FROM ai_model_audits").strip().replaceAll(";$", ""))) {
                while (rs.next()) {
                    rows.add(rs.getString("model_id") + " " + rs.getString("operation") + " " + rs.getString("db_user")
                            + " " + rs.getString("security_level"));
                }
            }
            assertThat(rows).contains("credit-v9 INSERT model_registry HIGH");
            assertRefused(s, "INSERT INTO alerts (alert_id, detector, threat, stride, score, risk_score, priority, detected_at)"
                    + " VALUES ('a', 'd', 't', 's', 1, 1, 'LOW', now())");
            assertRefused(s, "DELETE FROM ai_models");
        }
    }

    @Test
    void grafanaPanelsRunAsTheAnalyst() throws Exception {
        JsonNode dashboard = Json.read(Files.readString(GrafanaDashboardITCase.GRAFANA.resolve("model-warden.json")));
        int sqlPanels = 0;
        try (Connection c = as("warden_analyst")) {
            for (JsonNode panel : dashboard.get("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    if (target.has("rawSql")) {
                        // Throws on a missing privilege; the rows depend on what the other tests wrote.
                        GrafanaDashboardITCase.query(c, GrafanaDashboardITCase.expandMacros(
                                target.get("rawSql").asText(), "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"));
                        sqlPanels++;
                    }
                }
            }
        }
        assertThat(sqlPanels).isPositive();
    }

    @Test
    void theServerLogSettingsAreAccepted() throws Exception {
        try (Connection c = PG.connect(PG.jdbcUrl("postgres")); Statement s = c.createStatement()) {
            execute(s, block("ALTER SYSTEM SET log_connections"));
            assertThat(setting(s, "log_statement")).isEqualTo("ddl");
            assertThat(setting(s, "log_line_prefix")).contains("%u", "%d", "%r");
            assertThat(setting(s, "log_connections")).isEqualTo("on");
        }
    }

    private static String setting(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT setting FROM pg_file_settings WHERE name = '" + name + "' AND applied")) {
            assertThat(rs.next()).as(name + " applied from postgresql.auto.conf").isTrue();
            return rs.getString(1);
        }
    }
}
