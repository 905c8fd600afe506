package io.modelwarden.cli;

import io.modelwarden.config.ConfigException;
import io.modelwarden.config.Secrets;
import io.modelwarden.connect.Migrations;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.output.MigrateOutput;
import org.flywaydb.core.api.output.MigrateResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code warden db migrate|info}: the PostgreSQL schema (conf/sql, packaged in the jar) through
 * Flyway. Credentials come from the same environment variables as the sinks' defaults, never from
 * arguments (they would show in the process list and shell history). A database that cannot be reached
 * or a migration that fails is exit code 1 with one line; a bad URL or a missing variable is 2.
 */
@Command(
        name = "db",
        mixinStandardHelpOptions = true,
        description = "Applies or shows the PostgreSQL schema (alerts, findings, scan runs, the model registry and its audit trail).",
        subcommands = {Db.Migrate.class, Db.Info.class})
final class Db implements Callable<Integer> {
    static final String USER_ENV = "WARDEN_JDBC_USER";
    static final String PASSWORD_ENV = "WARDEN_JDBC_PASSWORD";

    @ParentCommand
    Warden warden;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return Warden.EXIT_USAGE;
    }

    /** The target database of one {@code db} subcommand. */
    static class Target {
        @Option(names = "--jdbc-url", required = true, paramLabel = "URL",
                description = "e.g. jdbc:postgresql://db:5432/warden (credentials from " + USER_ENV + " / " + PASSWORD_ENV + ").")
        String jdbcUrl;

        @Option(names = "--migrations", paramLabel = "LOCATION", defaultValue = Migrations.DEFAULT_LOCATION,
                description = "Flyway location of the migrations (default: ${DEFAULT-VALUE}, the jar's copy of conf/sql; or filesystem:conf/sql).")
        String location;

        String url() {
            if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new ConfigException("--jdbc-url must be a jdbc:postgresql: URL, was '" + jdbcUrl + "'");
            }
            return jdbcUrl;
        }
    }

    /**
     * The credential in variable {@code name}, or in the file that {@code name_FILE} names (a mounted
     * Kubernetes or Docker secret; the file wins, one trailing newline is dropped).
     */
    private String env(String name) {
        String file = warden.env.get(name + "_FILE");
        if (file != null && !file.isBlank()) {
            return Secrets.fromFile(name + "_FILE", java.nio.file.Path.of(file));
        }
        String value = warden.env.get(name);
        if (value == null) {
            throw new ConfigException(name + " is not set: warden db reads the database "
                    + (name.equals(USER_ENV) ? "user" : "password") + " from it (or from the file " + name + "_FILE names)");
        }
        return value;
    }

    /** One subcommand's work on the target database. */
    @FunctionalInterface
    interface Work {
        int run(String url, String user, String password, String location, PrintWriter out);
    }

    /**
     * Checks the target and the credentials (exit 2 when bad), runs {@code work}, and turns a Flyway
     * failure (database unreachable, a migration that fails) into one line on stderr and exit code 1.
     */
    private int run(String command, Target target, Work work) {
        String url = target.url();
        String user = env(USER_ENV);
        String password = env(PASSWORD_ENV);
        try {
            return work.run(url, user, password, target.location, spec.commandLine().getOut());
        } catch (FlywayException e) {
            spec.commandLine().getErr().println("warden: db " + command + " failed: " + oneLine(e));
            return Warden.EXIT_FAILED;
        }
    }

    /**
     * Flyway's headline plus the database's own words: its messages run over several lines
     * (SQL state, error code, the statement), of which the first and the driver's are the useful ones.
     */
    static String oneLine(FlywayException e) {
        String headline = firstLine(e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String detail = firstLine(sql.getMessage());
                return headline.contains(detail) ? headline : headline + ": " + detail;
            }
        }
        return headline;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String trimmed = message.strip();
        int nl = trimmed.indexOf('\n');
        return (nl < 0 ? trimmed : trimmed.substring(0, nl)).strip();
    }

    /** A {@code db} subcommand: its work on the database given by {@code --jdbc-url}. */
    abstract static class Subcommand implements Callable<Integer>, Work {
        @ParentCommand
        Db db;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Target target = new Target();

        @Override
        public Integer call() {
            return db.run(spec.name(), target, this);
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Applies the migrations the database lacks (Flyway); prints one line per version applied, then the version reached.")
    static final class Migrate extends Subcommand {
        @Override
        public int run(String url, String user, String password, String location, PrintWriter out) {
            MigrateResult result = Migrations.migrate(url, user, password, location);
            for (MigrateOutput m : result.migrations) {
                out.println("Applied V" + m.version + ": " + m.description + " (" + m.executionTime + " ms)");
            }
            out.println("Schema at version " + Migrations.currentVersion(result) + " ("
                    + result.migrationsExecuted + " migrations applied)");
            return Warden.EXIT_OK;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "Lists every migration with its state (Success, Pending, ...) and the schema's current version.")
    static final class Info extends Subcommand {
        @Override
        public int run(String url, String user, String password, String location, PrintWriter out) {
            MigrationInfoService info = Migrations.info(url, user, password, location);
            String row = "%-8s %-32s %-10s %s%n";
            out.printf(row, "Version", "Description", "State", "Installed on");
            for (MigrationInfo m : info.all()) {
                out.printf(row, m.getVersion(), m.getDescription(), m.getState().getDisplayName(),
                        m.getInstalledOn() == null ? "-" : m.getInstalledOn().toInstant().truncatedTo(ChronoUnit.SECONDS));
            }
            MigrationInfo current = info.current();
            out.println("Schema at version " + (current == null ? "none" : current.getVersion())
                    + " (" + info.pending().length + " pending)");
            return Warden.EXIT_OK;
        }
    }
}
