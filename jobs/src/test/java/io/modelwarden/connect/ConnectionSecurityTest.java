package io.modelwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS/SASL client properties the Kafka connectors get, the JDBC sslmode parameters, and their validation. */
class ConnectionSecurityTest {
    static final String SASL_SECRET = "sasl-Secret-7f3a";
    static final String TRUST_SECRET = "trust-Secret-91bc";
    static final String KEY_SECRET = "key-Secret-55de";

    @TempDir
    Path dir;

    static Config saslSsl() {
        return Config.defaults().withAll(Map.of(
                "kafka.security-protocol", "sasl-ssl",
                "kafka.sasl.mechanism", "SCRAM-SHA-512",
                "kafka.ssl.truststore-location", "/etc/warden/truststore.p12",
                "kafka.ssl.truststore-type", "pkcs12",
                "kafka.ssl.truststore-password-env", "TRUST_PW",
                "kafka.ssl.keystore-location", "/etc/warden/keystore.p12",
                "kafka.ssl.keystore-type", "PKCS12",
                "kafka.properties", "client.dns.lookup=use_all_dns_ips,ssl.enabled.protocols=TLSv1.2,TLSv1.3"));
    }

    static Map<String, String> env() {
        return Map.of(
                "WARDEN_KAFKA_USERNAME", "warden-svc",
                "WARDEN_KAFKA_PASSWORD", SASL_SECRET,
                "TRUST_PW", TRUST_SECRET,
                "WARDEN_KAFKA_KEYSTORE_PASSWORD", KEY_SECRET);
    }

    @Test
    void saslSslPropertiesCarryTheProtocolScramLoginAndStores() {
        Properties p = KafkaSecurity.fromConfig(saslSsl(), env()).properties();

        assertThat(p).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"warden-svc\" password=\"" + SASL_SECRET + "\";")
                .containsEntry("ssl.truststore.location", "/etc/warden/truststore.p12")
                .containsEntry("ssl.truststore.type", "PKCS12")
                .containsEntry("ssl.truststore.password", TRUST_SECRET)
                .containsEntry("ssl.keystore.location", "/etc/warden/keystore.p12")
                .containsEntry("ssl.keystore.password", KEY_SECRET)
                .containsEntry("ssl.key.password", KEY_SECRET)
                .containsEntry("ssl.endpoint.identification.algorithm", "https")
                .containsEntry("client.dns.lookup", "use_all_dns_ips")
                .containsEntry("ssl.enabled.protocols", "TLSv1.2,TLSv1.3");
    }

    @Test
    void everyKafkaClientGetsTheSharedSecurity() {
        Config c = saslSsl().withAll(Map.of(
                "monitor.sources.kind", "kafka",
                "monitor.sources.kafka.bootstrap", "kafka:9093",
                "monitor.sinks.kafka.bootstrap", "kafka:9093",
                "scan.sinks.kafka.bootstrap", "kafka:9093"));
        Map<String, String> env = Map.of("WARDEN_KAFKA_USERNAME", "warden-svc", "WARDEN_KAFKA_PASSWORD", SASL_SECRET,
                "TRUST_PW", TRUST_SECRET, "WARDEN_KAFKA_KEYSTORE_PASSWORD", KEY_SECRET, "WARDEN_JDBC_USER", "u", "WARDEN_JDBC_PASSWORD", "p");

        assertThat(EventSourceOptions.fromConfig(c, env).kafka().security().properties()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(MonitorSinkOptions.fromConfig(c, env).kafka().security().properties()).containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(SinkOptions.fromConfig(c, env).kafka().security().properties()).containsKey("sasl.jaas.config");
    }

    @Test
    void plainMechanismUsesThePlainLoginModuleAndCredentialsFromFiles() throws Exception {
        Path user = Files.writeString(dir.resolve("user"), "alice\n");
        Path pw = Files.writeString(dir.resolve("pw"), "pa\"ss\n");
        Config c = Config.defaults().withAll(Map.of(
                "kafka.security-protocol", "SASL_PLAINTEXT",
                "kafka.sasl.username-file", user.toString(),
                "kafka.sasl.password-file", pw.toString()));

        Properties p = KafkaSecurity.fromConfig(c, Map.of()).properties();

        assertThat(p).containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"alice\" password=\"pa\\\"ss\";")
                .doesNotContainKey("ssl.endpoint.identification.algorithm");
    }

    @Test
    void toStringMasksEverySecretButNamesTheUser() {
        String text = KafkaSecurity.fromConfig(saslSsl(), env()).toString();

        assertThat(text).contains("security.protocol=SASL_SSL", "sasl.username=warden-svc", "sasl.jaas.config=***",
                "ssl.truststore.password=***");
        assertThat(text).doesNotContain(SASL_SECRET, TRUST_SECRET, KEY_SECRET);
    }

    @Test
    void badKafkaSecurityValuesNameTheKey() {
        assertThatThrownBy(() -> KafkaSecurity.fromConfig(Config.defaults().with("kafka.security-protocol", "tls"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("kafka.security-protocol must be one of [plaintext, ssl, sasl-plaintext, sasl-ssl], was 'tls'");
        assertThatThrownBy(() -> KafkaSecurity.fromConfig(saslSsl().with("kafka.sasl.mechanism", "GSSAPI"), env()))
                .hasMessageStartingWith("kafka.sasl.mechanism must be one of [plain, scram-sha-256, scram-sha-512]");
        assertThatThrownBy(() -> KafkaSecurity.fromConfig(saslSsl(), Map.of()))
                .hasMessage("kafka.sasl.username-env: environment variable WARDEN_KAFKA_USERNAME is not set");
        assertThatThrownBy(() -> KafkaSecurity.fromConfig(
                        Config.defaults().with("kafka.ssl.truststore-location", "/t.jks"), Map.of()))
                .hasMessage("kafka.ssl.truststore-location is set but kafka.security-protocol is plaintext (use ssl or sasl-ssl)");
        assertThatThrownBy(() -> KafkaSecurity.fromConfig(saslSsl().with("kafka.ssl.truststore-type", "pfx"), env()))
                .hasMessage("kafka.ssl.truststore-type must be JKS, PKCS12 or PEM (or empty), was 'PFX'");
        assertThatThrownBy(() -> KafkaSecurity.fromConfig(
                        Config.defaults().with("kafka.properties", "ssl.truststore.password=x"), Map.of()))
                .hasMessageStartingWith("kafka.properties: ssl.truststore.password is set by the kafka.security-protocol");
        assertThatThrownBy(() -> KafkaSecurity.fromConfig(Config.defaults().with("kafka.properties", "acks"), Map.of()))
                .hasMessage("kafka.properties must be a list of NAME=VALUE, was 'acks'");
    }

    @Test
    void jdbcSslModeAndRootCertBecomeUrlParametersAndThePasswordNeverShows() {
        Config c = Config.defaults().withAll(Map.of(
                "scan.sinks.jdbc.url", "jdbc:postgresql://db:5432/warden",
                "scan.sinks.jdbc.sslmode", "verify-full",
                "scan.sinks.jdbc.sslrootcert", "/etc/warden/ca.pem"));
        JdbcSinkOptions o = JdbcSinkOptions.fromConfig(c, Map.of("WARDEN_JDBC_USER", "w", "WARDEN_JDBC_PASSWORD", "pg-Secret-1"));

        assertThat(o.connectionUrl())
                .isEqualTo("jdbc:postgresql://db:5432/warden?sslmode=verify-full&sslrootcert=%2Fetc%2Fwarden%2Fca.pem");
        assertThat(o.toString()).contains("sslmode=verify-full", "password=***").doesNotContain("pg-Secret-1");
        JdbcSinkOptions withParam = JdbcSinkOptions.fromConfig(c.with("scan.sinks.jdbc.url", "jdbc:postgresql://db/w?password=pg-Secret-2")
                .with("scan.sinks.jdbc.sslrootcert", ""), Map.of("WARDEN_JDBC_USER", "w", "WARDEN_JDBC_PASSWORD", "x"));
        assertThat(withParam.connectionUrl()).isEqualTo("jdbc:postgresql://db/w?password=pg-Secret-2&sslmode=verify-full");
        assertThat(withParam.toString()).doesNotContain("pg-Secret-2");
    }

    @Test
    void badSslModeNamesTheKey() {
        Config c = Config.defaults().withAll(Map.of("monitor.sinks.jdbc.url", "jdbc:postgresql://db/w", "monitor.sinks.jdbc.sslmode", "strict"));

        assertThatThrownBy(() -> JdbcSinkOptions.fromConfig(c, Map.of("WARDEN_JDBC_USER", "w", "WARDEN_JDBC_PASSWORD", "p"), "monitor.sinks.jdbc."))
                .isInstanceOf(ConfigException.class)
                .hasMessage("monitor.sinks.jdbc.sslmode must be one of [disable, allow, prefer, require, verify-ca, verify-full]"
                        + " (or empty), was 'strict'");
    }
}
