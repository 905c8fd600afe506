package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.UUID;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.util.PSQLException;

/** A PostgreSQL sink whose database is down makes the job restart and then fail, within bounded time. */
class JdbcSinkDownITCase {

    private static final int RESTARTS = 2;

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestPipelines.miniCluster();

    @Test
    void databaseDownFailsTheJobAfterRestarts() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        } // closed now: nothing listens there
        Config config = Config.defaults().withAll(Map.of(
                "scan.sinks.jdbc.url", "jdbc:postgresql://127.0.0.1:" + port + "/warden?connectTimeout=5",
                "scan.sinks.jdbc.max-retries", "2"));
        SinkOptions options = SinkOptions.fromConfig(config, Map.of(
                "WARDEN_JDBC_USER", "warden", "WARDEN_JDBC_PASSWORD", "secret"));

        StreamExecutionEnvironment env = TestPipelines.env(RuntimeExecutionMode.STREAMING, RESTARTS);
        TestPipelines.attach(env, TestFindings.scan("scan-" + UUID.randomUUID(), 10), options);
        long start = System.nanoTime();
        Throwable failure = TestPipelines.failureOf(env, "jdbc-down", Duration.ofSeconds(90));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(ExceptionUtils.findThrowable(failure, JobExecutionException.class)).isPresent();
        // The restart strategy was exhausted: Flink says so only after the last allowed restart.
        assertThat(ExceptionUtils.findThrowableWithMessage(failure,
                        "Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts="
                                + RESTARTS))
                .isPresent();
        assertThat(ExceptionUtils.findThrowable(failure, PSQLException.class)).isPresent();
        assertThat(ExceptionUtils.findThrowable(failure, ConnectException.class)).isPresent();
        // At least the two 200 ms restart delays, and well inside the bound.
        assertThat(elapsedMs).isBetween(2L * 200, 60_000L);
    }
}
