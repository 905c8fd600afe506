package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import io.modelwarden.connect.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor logs its effective options once at start, through log4j2, with every secret masked:
 * SASL password (inside sasl.jaas.config), trust and key store passwords, and a password in a JDBC
 * URL. The assertions read the captured log output, not a toString.
 */
class MonitorOptionsLogTest {
    static final String SASL_SECRET = "saslSecretQx81";
    static final String TRUST_SECRET = "trustSecretVb27";
    static final String KEY_SECRET = "keySecretLm55";

    @TempDir
    Path dir;

    @Test
    void theOptionsLineNamesEveryChangedSettingAndNoSecret() throws Exception {
        Path keyPw = Files.writeString(dir.resolve("keystore-password"), KEY_SECRET + "\n");
        Config config = Config.defaults().withAll(Map.ofEntries(
                Map.entry("monitor.sources.kind", "kafka"),
                Map.entry("monitor.sources.kafka.bootstrap", "kafka-1:9093"),
                Map.entry("monitor.sinks.kafka.bootstrap", "kafka-1:9093"),
                Map.entry("monitor.sinks.kafka.rejected-topic", "warden-rejected"),
                Map.entry("kafka.security-protocol", "SASL_SSL"),
                Map.entry("kafka.sasl.mechanism", "scram-sha-256"),
                Map.entry("kafka.ssl.truststore-location", dir.resolve("truststore.p12").toString()),
                Map.entry("kafka.ssl.truststore-password-env", "TRUST_PW"),
                Map.entry("kafka.ssl.keystore-location", dir.resolve("keystore.p12").toString()),
                Map.entry("kafka.ssl.keystore-password-file", keyPw.toString())));
        Map<String, String> env = Map.of("WARDEN_KAFKA_USERNAME", "monitor-svc", "WARDEN_KAFKA_PASSWORD", SASL_SECRET, "TRUST_PW", TRUST_SECRET);
        MonitorJob job = new MonitorJob(config, Map.of(), null, Clock.systemUTC(), env);

        String log;
        try (LogCapture capture = LogCapture.of(MonitorJob.class)) {
            job.build(StreamExecutionEnvironment.getExecutionEnvironment());
            log = capture.text();
        }

        assertThat(log.lines().filter(l -> l.contains("Monitor options:"))).hasSize(1);
        assertThat(log).contains("security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-256", "sasl.username=monitor-svc",
                "sasl.jaas.config=***", "ssl.truststore.password=***", "ssl.keystore.password=***", "bootstrap=kafka-1:9093",
                "rejectedTopic=warden-rejected", "kafka.ssl.keystore-password-file=" + keyPw, "monitor.sources.kafka.bootstrap=kafka-1:9093");
        assertThat(log).doesNotContain("monitor.detectors.prada.delta=0.9"); // a default: counted, not listed
        assertThat(log).doesNotContain(SASL_SECRET).doesNotContain(TRUST_SECRET).doesNotContain(KEY_SECRET);
    }
}
