package io.modelwarden.connect;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfoService;
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
        return migrate(jdbcUrl, user, password, location).migrationsExecuted;
    }

    /** Migrates and returns Flyway's account: the versions applied now and the version reached. */
    public static MigrateResult migrate(String jdbcUrl, String user, String password, String location) {
        MigrateResult result = flyway(jdbcUrl, user, password, location).migrate();
        LOG.info("Schema at version {} ({} migrations applied from {})",
                currentVersion(result), result.migrationsExecuted, location);
        return result;
    }

    /**
     * The schema version after {@code result}: Flyway leaves the target version empty when nothing was
     * applied, so then it is the version found; null for an empty schema with no migrations.
     */
    public static String currentVersion(MigrateResult result) {
        return result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
    }

    /** Every migration, applied or pending, with its state (Flyway's {@code info}). */
    public static MigrationInfoService info(String jdbcUrl, String user, String password, String location) {
        return flyway(jdbcUrl, user, password, location).info();
    }

    private static Flyway flyway(String jdbcUrl, String user, String password, String location) {
        return Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(jdbcUrl, user, password)
                .locations(location)
                .failOnMissingLocations(true)
                .load();
    }
}
