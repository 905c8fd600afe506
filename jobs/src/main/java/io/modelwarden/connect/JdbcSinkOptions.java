package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.config.Secrets;
import java.io.Serializable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;
import org.apache.flink.connector.jdbc.datasource.statements.JdbcQueryStatement;

/**
 * The PostgreSQL sink settings ({@code scan.sinks.jdbc.*}, and the same keys under
 * {@code monitor.sinks.jdbc.*} for alerts). The credentials are read from the files that
 * {@code user-file} and {@code password-file} name, or else from the environment variables that
 * {@code user-env} and {@code password-env} name ({@link Secrets}); they never sit in the YAML.
 * {@code sslmode} and {@code sslrootcert} become parameters of {@link #connectionUrl()}, which every
 * connection uses: the sinks, the scan-run writer and the migrations.
 *
 * @param url the configured URL, as given
 * @param sslMode a PostgreSQL sslmode; empty: the URL's or the driver's default ({@code prefer})
 * @param sslRootCert the CA certificate file for verify-ca / verify-full; empty: the driver's default
 */
public record JdbcSinkOptions(
        String url,
        String user,
        String password,
        int batchSize,
        long batchIntervalMs,
        int maxRetries,
        String migrations,
        String sslMode,
        String sslRootCert)
        implements Serializable {

    /** The sslmode values of the PostgreSQL JDBC driver. */
    public static final List<String> SSL_MODES = List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    public static final String PREFIX = "scan.sinks.jdbc.";

    /** Null when {@code scan.sinks.jdbc.url} is empty (the sink is off). */
    public static JdbcSinkOptions fromConfig(Config config, Map<String, String> env) {
        return fromConfig(config, env, PREFIX);
    }

    /**
     * The keys below {@code prefix} (with its trailing dot, e.g. {@code monitor.sinks.jdbc.}); null when
     * its {@code url} is empty.
     */
    public static JdbcSinkOptions fromConfig(Config config, Map<String, String> env, String prefix) {
        String url = config.getString(prefix + "url").trim();
        if (url.isEmpty()) {
            return null;
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw ConfigException.invalid(prefix + "url", "a jdbc:postgresql: URL", "'" + url + "'");
        }
        String user = Secrets.read(config, env, prefix + "user");
        String password = Secrets.read(config, env, prefix + "password");
        int batchSize = config.positiveInt(prefix + "batch-size");
        long interval = config.getLong(prefix + "batch-interval-ms");
        if (interval < 0) {
            throw ConfigException.invalid(prefix + "batch-interval-ms", ">= 0 (0: flush only on size)", interval);
        }
        int retries = config.getInt(prefix + "max-retries");
        if (retries < 0) {
            throw ConfigException.invalid(prefix + "max-retries", ">= 0", retries);
        }
        String migrations = config.getString(prefix + "migrations").trim();
        if (migrations.isEmpty()) {
            migrations = Migrations.DEFAULT_LOCATION;
        }
        String sslMode = config.getString(prefix + "sslmode").trim().toLowerCase(Locale.ROOT);
        if (!sslMode.isEmpty() && !SSL_MODES.contains(sslMode)) {
            throw ConfigException.invalid(prefix + "sslmode", "one of " + SSL_MODES + " (or empty)", "'" + sslMode + "'");
        }
        if (!sslMode.isEmpty() && url.matches("(?i).*[?&]sslmode=.*")) {
            throw new ConfigException(prefix + "sslmode is set and the URL has an sslmode parameter too: keep one");
        }
        String rootCert = config.getString(prefix + "sslrootcert").trim();
        return new JdbcSinkOptions(url, user, password, batchSize, interval, retries, migrations, sslMode, rootCert);
    }

    /** {@link #url()} with {@code sslmode} and {@code sslrootcert} appended as URL parameters when set. */
    public String connectionUrl() {
        StringBuilder out = new StringBuilder(url);
        char sep = url.indexOf('?') < 0 ? '?' : '&';
        if (!sslMode.isEmpty()) {
            out.append(sep).append("sslmode=").append(sslMode);
            sep = '&';
        }
        if (!sslRootCert.isEmpty()) {
            out.append(sep).append("sslrootcert=").append(URLEncoder.encode(sslRootCert, StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    /**
     * Masks the password, also one given as a URL parameter (options are logged once at startup); the
     * user name is shown.
     */
    @Override
    public String toString() {
        return "JdbcSinkOptions[url=" + Secrets.mask(connectionUrl()) + ", user=" + user + ", password="
                + Secrets.MASK + ", batchSize=" + batchSize + ", batchIntervalMs=" + batchIntervalMs
                + ", maxRetries=" + maxRetries + ", migrations=" + migrations + "]";
    }

    /** A connection provider for the Flink JDBC connector (PostgreSQL driver). */
    public JdbcConnectionProvider connections() {
        return new SimpleJdbcConnectionProvider(
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(connectionUrl())
                        .withDriverName("org.postgresql.Driver")
                        .withUsername(user())
                        .withPassword(password())
                        .build());
    }

    /**
     * The connector's at-least-once sink for one statement, wrapped so that its writer's {@code
     * close()} cannot turn a failed batch into a fatal TaskManager error (see {@link CloseSafeSink}).
     */
    public <T> Sink<T> sink(JdbcQueryStatement<T> statement) {
        JdbcConnectionProvider connections = connections();
        JdbcSink<T> jdbc = JdbcSink.<T>builder()
                .withQueryStatement(statement)
                .withExecutionOptions(JdbcExecutionOptions.builder()
                        .withBatchSize(batchSize())
                        .withBatchIntervalMs(batchIntervalMs())
                        .withMaxRetries(maxRetries())
                        .build())
                .buildAtLeastOnce(connections);
        return new CloseSafeSink<>(jdbc, connections);
    }
}
