package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.io.Serializable;
import java.util.Map;

/**
 * The PostgreSQL sink settings ({@code scan.sinks.jdbc.*}). The credentials are read from the
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
        String url = config.getString(PREFIX + "url").trim();
        if (url.isEmpty()) {
            return null;
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw ConfigException.invalid(PREFIX + "url", "a jdbc:postgresql: URL", "'" + url + "'");
        }
        String user = fromEnv(config, env, PREFIX + "user-env");
        String password = fromEnv(config, env, PREFIX + "password-env");
        int batchSize = config.positiveInt(PREFIX + "batch-size");
        long interval = config.getLong(PREFIX + "batch-interval-ms");
        if (interval < 0) {
            throw ConfigException.invalid(PREFIX + "batch-interval-ms", ">= 0 (0: flush only on size)", interval);
        }
        int retries = config.getInt(PREFIX + "max-retries");
        if (retries < 0) {
            throw ConfigException.invalid(PREFIX + "max-retries", ">= 0", retries);
        }
        String migrations = config.getString(PREFIX + "migrations").trim();
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
}
