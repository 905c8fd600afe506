package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
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
 * {@code monitor.sinks.jdbc.*} for alerts). The credentials are read from the
 * environment variables that {@code user-env} and {@code password-env} name; they never sit in the
 * YAML.
 */
public record JdbcSinkOptions(
        String url,
        String user,
        String password,
        int batchSize,
        long batchIntervalMs,
        int maxRetries,
        String migrations)
        implements Serializable {

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
        String user = fromEnv(config, env, prefix + "user-env");
        String password = fromEnv(config, env, prefix + "password-env");
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
        return new JdbcSinkOptions(url, user, password, batchSize, interval, retries, migrations);
    }

    private static String fromEnv(Config config, Map<String, String> env, String key) {
        String name = config.getString(key).trim();
        if (name.isEmpty()) {
            throw new ConfigException(key + " must name an environment variable, was empty");
        }
        String value = env.get(name);
        if (value == null) {
            throw new ConfigException(key + ": environment variable " + name + " is not set");
        }
        return value;
    }

    /** Masks the password (options are logged once at startup). */
    @Override
    public String toString() {
        return "JdbcSinkOptions[url=" + url + ", user=" + user + ", password=***, batchSize=" + batchSize
                + ", batchIntervalMs=" + batchIntervalMs + ", maxRetries=" + maxRetries
                + ", migrations=" + migrations + "]";
    }

    /** A connection provider for the Flink JDBC connector (PostgreSQL driver). */
    public JdbcConnectionProvider connections() {
        return new SimpleJdbcConnectionProvider(
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(url())
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
