package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.json.Json;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The model registry's audit trigger (V4) on a real PostgreSQL, driven the way an application would:
 * a login role with rights on ai_models only, over TCP.
 */
class ModelRegistryAuditITCase {
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    private String url;
    private String writer;
    private String admins;

    /** One audit row, as the test reads it back. */
    record Audit(String modelId, String operation, String user, String role, String clientAddr,
            JsonNode details, String level, boolean changedAtSet) {}

    @BeforeEach
    void registry() throws Exception {
        url = PG.createDatabase();
        Migrations.apply(url, PG.user(), PG.password());
        // Roles are cluster-wide: a suffix keeps the tests of this class apart.
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        writer = "registry_writer_" + suffix;
        admins = "registry_admins_" + suffix;
        try (Connection c = PG.connect(url); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + admins + " NOLOGIN");
            s.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ai_models TO " + admins);
            s.execute("CREATE ROLE " + writer + " LOGIN PASSWORD 'w' IN ROLE " + admins);
        }
    }

    private Connection asWriter() throws SQLException {
        return DriverManager.getConnection(url, writer, "w");  // url is jdbc:postgresql://localhost:PORT/...: TCP
    }

    @Test
    void everyChangeIsAuditedWithWhoFromWhereWhatAndHowSerious() throws Exception {
        try (Connection c = asWriter(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ai_models (model_id, name, version, stage, artifact_uri, sha256, owner)"
                    + " VALUES ('credit-v3', 'credit', '3', 'staging', 's3://models/credit/3.onnx', '" + SHA_A + "', 'risk-team')");
            s.execute("UPDATE ai_models SET metadata = '{\"auc\": 0.91}' WHERE model_id = 'credit-v3'");
            s.execute("UPDATE ai_models SET stage = 'production' WHERE model_id = 'credit-v3'");
            s.execute("UPDATE ai_models SET sha256 = '" + SHA_B + "', artifact_uri = 's3://x/evil.onnx' WHERE model_id = 'credit-v3'");
            s.execute("UPDATE ai_models SET owner = 'someone-else' WHERE model_id = 'credit-v3'");
            s.execute("DELETE FROM ai_models WHERE model_id = 'credit-v3'");
        }

        List<Audit> audits = audits();
        assertThat(audits).extracting(Audit::operation).containsExactly("INSERT", "UPDATE", "UPDATE", "UPDATE", "UPDATE", "DELETE");
        assertThat(audits).extracting(Audit::level).containsExactly("LOW", "LOW", "HIGH", "CRITICAL", "MEDIUM", "CRITICAL");
        assertThat(audits).allSatisfy(a -> {
            assertThat(a.modelId()).isEqualTo("credit-v3");
            assertThat(a.user()).isEqualTo(writer);
            assertThat(a.role()).isNull();
            assertThat(a.clientAddr()).as("over TCP the client address is known").isIn("127.0.0.1/32", "::1/128");
            assertThat(a.changedAtSet()).isTrue();
            assertThat(a.details().get("transaction_id").asLong()).isPositive();
            assertThat(a.details().get("application_name").asText()).isEqualTo("PostgreSQL JDBC Driver");
        });

        JsonNode insert = audits.get(0).details();
        assertThat(insert.get("old").isNull()).isTrue();
        assertThat(insert.get("new").get("sha256").asText()).isEqualTo(SHA_A);
        assertThat(insert.get("new").get("stage").asText()).isEqualTo("staging");
        assertThat(insert.get("changed")).isEmpty();

        assertThat(changed(audits.get(1))).containsExactly("metadata");
        assertThat(audits.get(1).details().get("new").get("metadata").get("auc").asDouble()).isEqualTo(0.91);

        JsonNode promote = audits.get(2).details();
        assertThat(changed(audits.get(2))).containsExactly("stage");
        assertThat(promote.get("old").get("stage").asText()).isEqualTo("staging");
        assertThat(promote.get("new").get("stage").asText()).isEqualTo("production");

        JsonNode swap = audits.get(3).details();
        assertThat(changed(audits.get(3))).containsExactly("artifact_uri", "sha256");
        assertThat(swap.get("old").get("sha256").asText()).isEqualTo(SHA_A);
        assertThat(swap.get("new").get("sha256").asText()).isEqualTo(SHA_B);
        assertThat(swap.get("new").get("artifact_uri").asText()).isEqualTo("s3://x/evil.onnx");

        JsonNode delete = audits.get(5).details();
        assertThat(delete.get("new").isNull()).isTrue();
        assertThat(delete.get("old").get("owner").asText()).isEqualTo("someone-else");
    }

    @Test
    void levelsFollowTheStageAndTheKindOfChange() throws Exception {
        try (Connection c = asWriter(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ai_models (model_id, name, version, stage, artifact_uri, sha256, owner) VALUES"
                    + " ('fraud-v1', 'fraud', '1', 'production', 'file:///m/fraud-1', '" + SHA_A + "', 'fraud-team'),"
                    + " ('churn-v1', 'churn', '1', 'development', 'file:///m/churn-1', '" + SHA_A + "', 'growth')");
            s.execute("UPDATE ai_models SET version = '1.1' WHERE model_id = 'churn-v1'");
            s.execute("UPDATE ai_models SET stage = 'archived' WHERE model_id = 'fraud-v1'");
            s.execute("DELETE FROM ai_models WHERE model_id = 'churn-v1'");
            // One statement, two rows: two audit rows in one transaction.
            s.execute("INSERT INTO ai_models (model_id, name, version, artifact_uri, sha256, owner) VALUES"
                    + " ('a-1', 'a', '1', 'file:///a', '" + SHA_A + "', 'o'), ('b-1', 'b', '1', 'file:///b', '" + SHA_A + "', 'o')");
            s.execute("UPDATE ai_models SET metadata = '{\"k\": 1}' WHERE model_id IN ('a-1', 'b-1')");
            s.execute("SET ROLE " + admins);
            s.execute("UPDATE ai_models SET owner = 'ops' WHERE model_id = 'a-1'");
        }

        List<Audit> audits = audits();
        assertThat(audits).extracting(a -> a.modelId() + " " + a.operation() + " " + a.level()).containsExactly(
                "fraud-v1 INSERT HIGH",        // straight into production
                "churn-v1 INSERT LOW",
                "churn-v1 UPDATE HIGH",        // identity (version) changed
                "fraud-v1 UPDATE MEDIUM",      // out of production
                "churn-v1 DELETE HIGH",        // not a production model
                "a-1 INSERT LOW", "b-1 INSERT LOW",
                "a-1 UPDATE LOW", "b-1 UPDATE LOW",
                "a-1 UPDATE MEDIUM");          // a new owner
        assertThat(audits.get(7).details().get("transaction_id")).isEqualTo(audits.get(8).details().get("transaction_id"));
        Audit asAdmins = audits.get(9);
        assertThat(asAdmins.user()).as("the login, whatever role it takes").isEqualTo(writer);
        assertThat(asAdmins.role()).isEqualTo(admins);
    }

    @Test
    void theTrailIsAppendOnlyEvenForTheOwner() throws Exception {
        try (Connection c = asWriter(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO ai_models (model_id, name, version, artifact_uri, sha256, owner)"
                    + " VALUES ('m-1', 'm', '1', 'file:///m', '" + SHA_A + "', 'o')");
        }
        // The owner and superuser that ran the migrations.
        try (Connection c = PG.connect(url); Statement s = c.createStatement()) {
            for (String sql : List.of(
                    "UPDATE ai_model_audits SET security_level = 'LOW'",
                    "UPDATE ai_model_audits SET security_level = 'LOW' WHERE false",
                    "DELETE FROM ai_model_audits",
                    "TRUNCATE ai_model_audits",
                    "TRUNCATE ai_models")) {
                assertThatThrownBy(() -> s.execute(sql)).as(sql)
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(INSUFFICIENT_PRIVILEGE))
                        .hasMessageContaining("is not allowed");
            }
        }
        assertThat(audits()).hasSize(1);
    }

    @Test
    void aWriterCanNeitherReadNorForgeNorRedirectTheTrail() throws Exception {
        try (Connection c = asWriter(); Statement s = c.createStatement()) {
            for (String sql : List.of(
                    "SELECT count(*) FROM ai_model_audits",
                    "INSERT INTO ai_model_audits (model_id, operation, db_user, changed_at, details, security_level)"
                            + " VALUES ('m-1', 'INSERT', 'nobody', now(), '{}', 'LOW')")) {
                assertThatThrownBy(() -> s.execute(sql)).as(sql)
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(INSUFFICIENT_PRIVILEGE));
            }
            // A temporary table of the same name comes first on a default search_path; the trigger's pinned
            // search_path ignores it.
            s.execute("CREATE TEMP TABLE ai_model_audits (LIKE public.ai_models)");
            s.execute("INSERT INTO ai_models (model_id, name, version, artifact_uri, sha256, owner)"
                    + " VALUES ('m-1', 'm', '1', 'file:///m', '" + SHA_A + "', 'o')");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_temp.ai_model_audits")) {
                rs.next();
                assertThat(rs.getLong(1)).isZero();
            }
        }
        assertThat(audits()).extracting(Audit::modelId, Audit::user).containsExactly(org.assertj.core.groups.Tuple.tuple("m-1", writer));
    }

    private List<Audit> audits() throws Exception {
        List<Audit> out = new ArrayList<>();
        try (Connection c = PG.connect(url); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT model_id, operation, db_user, db_role, client_addr::text,"
                        + " details::text, security_level, changed_at IS NOT NULL FROM ai_model_audits ORDER BY audit_id")) {
            while (rs.next()) {
                out.add(new Audit(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        Json.read(rs.getString(6)), rs.getString(7), rs.getBoolean(8)));
            }
        }
        return out;
    }

    private static List<String> changed(Audit a) {
        List<String> out = new ArrayList<>();
        a.details().get("changed").forEach(n -> out.add(n.asText()));
        return out;
    }
}
