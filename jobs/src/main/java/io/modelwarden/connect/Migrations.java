package io.modelwarden.connect;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the schema (conf/sql, Flyway naming {@code V<n>__<what>.sql}) with Flyway. The build
 * packages conf/sql as classpath resources under {@code db/migration}, so the job jar carries them;
 * another location ({@code filesystem:conf/sql}, or {@code scan.sinks.jdbc.migrations}) can be given.
 */
public final class Migrations {
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    /** Where the build puts conf/sql/*.sql. */
    public static final String DEFAULT_LOCATION = "classpath:db/migration";

    private Migrations() {}

    /** Migrates from the classpath copy of conf/sql; returns the number of migrations applied now. */
    public static int apply(String jdbcUrl, String user, String password) {
        return apply(jdbcUrl, user, password, DEFAULT_LOCATION);
    }

    /** Migrates with the options' URL, credentials and location. */
    public static int apply(JdbcSinkOptions options) {
        return apply(options.connectionUrl(), options.user(), options.password(), options.migrations());
    }

    /**
     * Migrates from {@code location} (a Flyway location: {@code classpath:...} or
     * {@code filesystem:...}); a location that does not exist is an error, not an empty schema.
     */
    public static int apply(String jdbcUrl, String user, String password, String location) {
        MigrateResult result = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(jdbcUrl, user, password)
                .locations(location)
                .failOnMissingLocations(true)
                .load()
                .migrate();
        LOG.info("Schema at version {} ({} migrations applied from {})",
                result.targetSchemaVersion, result.migrationsExecuted, location);
        return result.migrationsExecuted;
    }
}
