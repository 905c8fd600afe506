package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.modelwarden.json.Json;
import io.modelwarden.model.Alert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shipped Grafana dashboard ({@code conf/grafana/}) against what it queries: every panel uses a
 * provisioned data source; every Prometheus metric it names is one the README documents (and
 * PrometheusMetricsTest scrapes); every SQL panel runs on real PostgreSQL with the real migrations and
 * counts the alerts written by the real sink statement, with Grafana's time macros expanded.
 */
class GrafanaDashboardITCase {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    static final Path GRAFANA = Path.of("..", "conf", "grafana");
    static final Pattern METRIC = Pattern.compile("flink_taskmanager_job_task_operator_warden_(\\w+)");

    static JsonNode dashboard;
    static List<JsonNode> panels = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        dashboard = Json.read(Files.readString(GRAFANA.resolve("model-warden.json")));
        for (JsonNode p : dashboard.get("panels")) {
            if (!p.get("type").asText().equals("row")) {
                panels.add(p);
            }
        }
    }

    @Test
    void panelsUseTheProvisionedDataSourcesAndFitTheGrid() throws Exception {
        JsonNode provisioning = new ObjectMapper(new YAMLFactory()).readTree(GRAFANA.resolve("provisioning/datasources/warden.yaml").toFile());
        Set<String> uids = new HashSet<>();
        provisioning.get("datasources").forEach(d -> uids.add(d.get("uid").asText()));
        assertThat(dashboard.get("uid").asText()).isEqualTo("model-warden");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : dashboard.get("panels")) {
            assertThat(ids.add(p.get("id").asInt())).as("panel ids are unique").isTrue();
            JsonNode g = p.get("gridPos");
            assertThat(g.get("x").asInt() + g.get("w").asInt()).as(p.get("title").asText()).isLessThanOrEqualTo(24);
        }
        assertThat(panels).hasSizeGreaterThanOrEqualTo(10);
        for (JsonNode p : panels) {
            assertThat(uids).as(p.get("title").asText()).contains(p.get("datasource").get("uid").asText());
            assertThat(p.get("targets")).as(p.get("title").asText()).isNotEmpty();
            assertThat(p.path("description").asText()).as(p.get("title").asText()).isNotBlank();
        }
    }

    @Test
    void everyPrometheusMetricItQueriesIsDocumented() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        // "\n## Metrics\n": the section, not "### Metrics and dashboard" under Operations.
        int start = readme.indexOf("\n## Metrics\n");
        assertThat(start).as("README has a ## Metrics section").isNotNegative();
        String metrics = readme.substring(start, readme.indexOf("\n## ", start + 3));
        Set<String> used = new HashSet<>();
        for (JsonNode p : panels) {
            for (JsonNode t : p.get("targets")) {
                Matcher m = METRIC.matcher(t.path("expr").asText());
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        assertThat(used).contains("eventsObserved", "threat_detector_alerts", "activeKeys", "kind_detector_findings");
        for (String name : used) {
            assertThat(metrics).as("README Metrics documents " + name).containsPattern("`" + name + "[`{]");
        }
    }

    @Test
    void everySqlPanelRunsOnTheMigratedSchemaAndCountsTheAlerts() throws Exception {
        String url = PG.createDatabase();
        Migrations.apply(url, PG.user(), PG.password());
        List<Alert> alerts = TestAlerts.alerts("grafana", 30, 5);
        try (Connection c = PG.connect(url)) {
            JdbcAlertSink.InsertAlert binder = new JdbcAlertSink.InsertAlert();
            try (PreparedStatement ps = c.prepareStatement(binder.query())) {
                for (Alert a : alerts) {
                    binder.statement(ps, a);
                    ps.executeUpdate();
                }
            }
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO scan_runs (scan_id, dataset_sha256, rows_read, rows_rejected, columns, started_at, finished_at, input)"
                        + " VALUES ('scan-1', 'ab', 1000, 2, 12, '2026-11-29T08:00:00Z', '2026-11-29T08:01:00Z', 'train.csv')");
            }
            String from = Instant.ofEpochMilli(TestAlerts.T0 - 60_000).toString();
            String to = Instant.ofEpochMilli(TestAlerts.T0 + 86_400_000L).toString();
            int sqlPanels = 0;
            for (JsonNode p : panels) {
                for (JsonNode t : p.get("targets")) {
                    if (!t.has("rawSql")) {
                        continue;
                    }
                    sqlPanels++;
                    String sql = expandMacros(t.get("rawSql").asText(), from, to);
                    List<List<Object>> rows = query(c, sql);
                    assertThat(rows).as(p.get("title").asText() + ":\n" + sql).isNotEmpty();
                    if (p.get("title").asText().startsWith("Risk matrix")) {
                        long cells = rows.stream().mapToLong(r -> ((Number) r.get(1)).longValue() + ((Number) r.get(2)).longValue() + ((Number) r.get(3)).longValue()).sum();
                        assertThat(cells).as("every alert falls in one cell").isEqualTo(alerts.size());
                        assertThat(rows.get(0).get(0)).isEqualTo("HIGH");
                    }
                    if (p.get("title").asText().equals("Top clients")) {
                        assertThat(rows).hasSize(5);
                    }
                }
            }
            assertThat(sqlPanels).isGreaterThanOrEqualTo(5);
        }
    }

    /** Grafana's PostgreSQL macros, as Grafana expands them for a fixed time range. */
    static String expandMacros(String sql, String from, String to) {
        String s = sql.replaceAll("\\$__timeGroupAlias\\(([\\w.]+), '(\\d+)m'\\)",
                "floor(extract(epoch from $1) / ($2 * 60)) * ($2 * 60) AS \"time\"");
        s = s.replaceAll("\\$__timeFilter\\(([\\w.]+)\\)", "$1 BETWEEN '" + from + "' AND '" + to + "'");
        assertThat(s).as("every macro expanded").doesNotContain("$__");
        return s;
    }

    static List<List<Object>> query(Connection c, String sql) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
