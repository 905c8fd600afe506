package io.modelwarden.connect;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL (zonky embedded, PostgreSQL 17 binaries) for one test class. Register as a
 * static {@code @RegisterExtension} field; each test takes a fresh database from
 * {@link #createDatabase()} so tests do not see each other's rows.
 */
public final class PostgresExtension implements BeforeAllCallback, AfterAllCallback {
    private static final String USER = "postgres";
    private static final String PASSWORD = "postgres";
    private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__.+\\.sql");

    private EmbeddedPostgres postgres;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        postgres = EmbeddedPostgres.builder().start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    /** The server's port (for a {@link TcpProxy} in front of it). */
    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
    }

    /** A new, empty database; returns its JDBC URL. */
    public String createDatabase() throws SQLException {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, PASSWORD);
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return jdbcUrl(name);
    }

    public Connection connect(String jdbcUrl) throws SQLException {
        return DriverManager.getConnection(jdbcUrl, USER, PASSWORD);
    }

    /** The versions of the migrations in conf/sql, ascending ("1", "2", ...): what a migration applies. */
    public static List<String> migrationVersions() throws IOException {
        List<Integer> versions = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("../conf/sql"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Matcher m = VERSIONED.matcher(f.getFileName().toString());
                if (m.matches()) {
                    versions.add(Integer.parseInt(m.group(1)));
                }
            }
        }
        return versions.stream().sorted().map(String::valueOf).toList();
    }
}
