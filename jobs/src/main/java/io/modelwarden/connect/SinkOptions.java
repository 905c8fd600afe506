package io.modelwarden.connect;

import io.modelwarden.config.Config;
import java.util.Map;

/**
 * Which finding sinks are configured. An empty {@code scan.sinks.jdbc.url} or
 * {@code scan.sinks.kafka.bootstrap} turns that sink off.
 *
 * @param jdbc null when off
 * @param kafka null when off
 */
public record SinkOptions(JdbcSinkOptions jdbc, KafkaSinkOptions kafka) {

    /** Reads the credentials from the process environment. */
    public static SinkOptions fromConfig(Config config) {
        return fromConfig(config, System.getenv());
    }

    /** With an explicit environment (tests; a launcher that builds one). */
    public static SinkOptions fromConfig(Config config, Map<String, String> env) {
        return new SinkOptions(JdbcSinkOptions.fromConfig(config, env), KafkaSinkOptions.fromConfig(config, env));
    }

    public boolean jdbcEnabled() {
        return jdbc != null;
    }

    public boolean kafkaEnabled() {
        return kafka != null;
    }

    public boolean any() {
        return jdbcEnabled() || kafkaEnabled();
    }
}
