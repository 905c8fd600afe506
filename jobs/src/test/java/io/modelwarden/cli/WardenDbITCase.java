package io.modelwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.connect.PostgresExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code warden db migrate|info} against a real PostgreSQL: output, exit codes, one-line errors. */
class WardenDbITCase {
    @RegisterExtension
    static final PostgresExtension PG = new PostgresExtension();

    private static final Map<String, String> ENV = Map.of(Db.USER_ENV, PG.user(), Db.PASSWORD_ENV, PG.password());

    static WardenCliTest.Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Warden.run(new PrintWriter(out, true), new PrintWriter(err, true), env, args);
        return new WardenCliTest.Result(code, out.toString(), err.toString());
    }

    @Test
    void migrateAppliesEachVersionOnceAndSaysSo() throws Exception {
        String url = PG.createDatabase();
        List<String> versions = PostgresExtension.migrationVersions();
        String last = versions.get(versions.size() - 1);

        WardenCliTest.Result first = run(ENV, "db", "migrate", "--jdbc-url", url);
        assertThat(first.code()).as(first.err()).isZero();
        List<String> lines = first.out().lines().toList();
        assertThat(lines).hasSize(versions.size() + 1);
        assertThat(lines.get(0)).startsWith("Applied V1: scan runs and findings (").endsWith(" ms)");
        assertThat(lines.get(3)).startsWith("Applied V4: model registry audit (");
        assertThat(lines.get(versions.size())).isEqualTo("Schema at version " + last + " (" + versions.size() + " migrations applied)");

        WardenCliTest.Result again = run(ENV, "db", "migrate", "--jdbc-url", url);
        assertThat(again.code()).isZero();
        assertThat(again.out().strip()).isEqualTo("Schema at version " + last + " (0 migrations applied)");
        assertThat(again.err()).isEmpty();
    }

    @Test
    void infoListsEveryVersionWithItsState() throws Exception {
        String url = PG.createDatabase();
        int n = PostgresExtension.migrationVersions().size();

        WardenCliTest.Result empty = run(ENV, "db", "info", "--jdbc-url", url);
        assertThat(empty.code()).isZero();
        assertThat(empty.out().lines()).filteredOn(l -> l.contains("Pending")).hasSize(n);
        assertThat(empty.out()).endsWith("Schema at version none (" + n + " pending)" + System.lineSeparator());

        assertThat(run(ENV, "db", "migrate", "--jdbc-url", url).code()).isZero();
        WardenCliTest.Result info = run(ENV, "db", "info", "--jdbc-url", url);
        assertThat(info.code()).isZero();
        List<String> lines = info.out().lines().toList();
        assertThat(lines.get(0)).startsWith("Version").contains("Description", "State", "Installed on");
        assertThat(lines.get(1)).startsWith("1 ").contains("scan runs and findings", "Success");
        assertThat(lines).filteredOn(l -> l.contains("Success")).hasSize(n);
        assertThat(lines.get(lines.size() - 1)).isEqualTo("Schema at version " + n + " (0 pending)");
    }

    @Test
    void unreachableDatabaseIsExitOneWithOneLine() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        WardenCliTest.Result r = run(ENV, "db", "migrate", "--jdbc-url", "jdbc:postgresql://127.0.0.1:" + closedPort + "/warden");
        assertThat(r.code()).isEqualTo(Warden.EXIT_FAILED);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("warden: db migrate failed: ").contains(String.valueOf(closedPort), "refused")
                .doesNotContain("Exception");
        assertThat(r.out()).isEmpty();

        WardenCliTest.Result noDatabase = run(ENV, "db", "info", "--jdbc-url", PG.jdbcUrl("no_such_db"));
        assertThat(noDatabase.code()).isEqualTo(Warden.EXIT_FAILED);
        assertThat(noDatabase.err().strip().lines()).hasSize(1);
        assertThat(noDatabase.err()).startsWith("warden: db info failed: ").contains("no_such_db");
    }

    @Test
    void credentialsMayComeFromFilesNamedByTheEnvironment(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path user = java.nio.file.Files.writeString(dir.resolve("user"), PG.user() + "\n");
        java.nio.file.Path password = java.nio.file.Files.writeString(dir.resolve("password"), PG.password() + "\n");
        Map<String, String> files = Map.of(Db.USER_ENV + "_FILE", user.toString(), Db.PASSWORD_ENV + "_FILE", password.toString());
        WardenCliTest.Result r = run(files, "db", "migrate", "--jdbc-url", PG.createDatabase());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Applied V1");

        Map<String, String> missing = Map.of(Db.USER_ENV, PG.user(), Db.PASSWORD_ENV + "_FILE", dir.resolve("nope").toString());
        WardenCliTest.assertOneLineError(run(missing, "db", "info", "--jdbc-url", PG.jdbcUrl("postgres")), Db.PASSWORD_ENV + "_FILE", "nope");
    }

    @Test
    void badUsageIsExitTwoWithOneLine() {
        WardenCliTest.assertOneLineError(run(ENV, "db", "migrate", "--jdbc-url", "jdbc:mysql://db/warden"), "--jdbc-url", "jdbc:mysql://db/warden");
        WardenCliTest.assertOneLineError(run(ENV, "db", "migrate"), "--jdbc-url", "warden db migrate --help");
        WardenCliTest.assertOneLineError(run(Map.of(), "db", "info", "--jdbc-url", PG.jdbcUrl("postgres")), Db.USER_ENV);
        WardenCliTest.assertOneLineError(run(Map.of(Db.USER_ENV, "u"), "db", "migrate", "--jdbc-url", PG.jdbcUrl("postgres")), Db.PASSWORD_ENV);
        WardenCliTest.assertOneLineError(run(ENV, "db", "migrate", "--jdbc-url", PG.jdbcUrl("postgres"), "--frobnicate"), "--frobnicate");

        WardenCliTest.Result usage = run(ENV, "db");
        assertThat(usage.code()).isEqualTo(Warden.EXIT_USAGE);
        assertThat(usage.out()).contains("migrate", "info");
        WardenCliTest.Result help = run(ENV, "--help");
        assertThat(help.out()).contains("db");
        assertThat(run(ENV, "db", "migrate", "--help").out()).contains("--jdbc-url", "--migrations", Db.USER_ENV);
    }
}
