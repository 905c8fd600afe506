package io.modelwarden.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real third-party clients that read back what the jobs wrote: Debian's {@code psql}
 * (postgresql-client) and {@code kcat}. CI installs both ({@code .ci/run}); a machine without them
 * fails the test with the package to install, it never skips it.
 */
final class ExternalClients {
    private static final long TIMEOUT_SECONDS = 60;

    private ExternalClients() {}

    /** Fails unless {@code tool} is an executable on the PATH. */
    static void require(String tool, String debianPackage) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                found = true;
            }
        }
        assertThat(found).as("%s is not on the PATH: install Debian's %s (apt-get install %s; .ci/run does)",
                tool, debianPackage, debianPackage).isTrue();
    }

    /**
     * Runs one statement with psql against the database of a {@code jdbc:postgresql://host:port/db}
     * URL; returns the rows, columns separated by {@code |}. Fails on a psql error.
     */
    static List<String> psql(String jdbcUrl, String user, String password, String sql) throws Exception {
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", uri.getHost(), "-p", Integer.toString(uri.getPort()), "-U", user,
                "-d", uri.getPath().substring(1), "-c", sql);
        pb.environment().put("PGPASSWORD", password);
        List<String> rows = new ArrayList<>();
        for (String line : run(pb, "psql -c " + sql)) {
            if (!line.isEmpty()) {
                rows.add(line);
            }
        }
        return rows;
    }

    /**
     * Every record of {@code topic} from the beginning to its current end, read with kcat (which
     * reads read_committed, STACK.md G6): key and value of each.
     */
    static List<String[]> kcat(String bootstrap, String topic) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("kcat", "-C", "-b", bootstrap, "-t", topic,
                "-o", "beginning", "-e", "-q", "-f", "%k\\t%s\\n");
        List<String[]> records = new ArrayList<>();
        for (String line : run(pb, "kcat -t " + topic)) {
            if (!line.isEmpty()) {
                String[] kv = line.split("\t", 2);
                assertThat(kv).as("kcat line %s", line).hasSize(2);
                records.add(kv);
            }
        }
        return records;
    }

    private static List<String> run(ProcessBuilder pb, String what) throws Exception {
        Path err = Files.createTempFile("warden-client", ".err");
        try {
            Process p = pb.redirectError(err.toFile()).start();
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("%s finished", what).isTrue();
            assertThat(p.exitValue()).as("%s: %s", what, Files.readString(err)).isZero();
            return new String(out, StandardCharsets.UTF_8).lines().toList();
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
