package io.modelwarden.connect;

import io.modelwarden.config.Config;
import io.modelwarden.config.ConfigException;
import io.modelwarden.config.Secrets;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The Kafka client security settings ({@code kafka.*}), shared by every Kafka client of both jobs:
 * TLS (trust store, key store, host name check), SASL (PLAIN or SCRAM, credentials from {@link
 * Secrets}) and further client properties. {@link #properties()} is what the sources and sinks add
 * to their clients; {@link #toString()} masks every secret.
 *
 * @param protocol {@code security.protocol}
 * @param mechanism {@code sasl.mechanism}; null unless a SASL protocol
 * @param saslUsername null unless a SASL protocol
 * @param saslPassword null unless a SASL protocol
 * @param ssl the {@code ssl.*} client properties, passwords included; empty unless a TLS protocol
 * @param extra the {@code kafka.properties} entries
 */
public record KafkaSecurity(
        Protocol protocol,
        Mechanism mechanism,
        String saslUsername,
        String saslPassword,
        Map<String, String> ssl,
        Map<String, String> extra)
        implements Serializable {

    public static final String PREFIX = "kafka.";
    static final String SSL_PREFIX = PREFIX + "ssl.";
    static final String PROPERTIES_KEY = PREFIX + "properties";

    /** Kafka's {@code security.protocol} values. */
    public enum Protocol {
        PLAINTEXT,
        SSL,
        SASL_PLAINTEXT,
        SASL_SSL;

        boolean sasl() {
            return this == SASL_PLAINTEXT || this == SASL_SSL;
        }

        boolean tls() {
            return this == SSL || this == SASL_SSL;
        }
    }

    /** The SASL mechanisms supported, with the login module each needs in {@code sasl.jaas.config}. */
    public enum Mechanism {
        PLAIN("org.apache.kafka.common.security.plain.PlainLoginModule"),
        SCRAM_SHA_256("org.apache.kafka.common.security.scram.ScramLoginModule"),
        SCRAM_SHA_512("org.apache.kafka.common.security.scram.ScramLoginModule");

        final String loginModule;

        Mechanism(String loginModule) {
            this.loginModule = loginModule;
        }

        /** The name Kafka uses ({@code SCRAM-SHA-256}). */
        public String kafkaName() {
            return name().replace('_', '-');
        }
    }

    /** Plain text, no SASL, no extra properties: what a local broker needs. */
    public static final KafkaSecurity NONE = new KafkaSecurity(Protocol.PLAINTEXT, null, null, null, Map.of(), Map.of());

    public KafkaSecurity {
        ssl = Map.copyOf(ssl);
        extra = Map.copyOf(extra);
    }

    /** Reads {@code kafka.*}; secrets from the files or environment variables their keys name. */
    public static KafkaSecurity fromConfig(Config config, Map<String, String> env) {
        Protocol protocol = config.getEnum(PREFIX + "security-protocol", Protocol.class);
        Mechanism mechanism = null;
        String username = null;
        String password = null;
        if (protocol.sasl()) {
            mechanism = config.getEnum(PREFIX + "sasl.mechanism", Mechanism.class);
            username = Secrets.read(config, env, PREFIX + "sasl.username");
            password = Secrets.read(config, env, PREFIX + "sasl.password");
        }
        Map<String, String> ssl = new LinkedHashMap<>();
        if (protocol.tls()) {
            ssl.putAll(ssl(config, env));
        } else {
            for (String key : List.of("truststore-location", "keystore-location")) {
                if (!config.getString(SSL_PREFIX + key).isBlank()) {
                    throw new ConfigException(SSL_PREFIX + key + " is set but " + PREFIX + "security-protocol is "
                            + protocol.name().toLowerCase(Locale.ROOT).replace('_', '-') + " (use ssl or sasl-ssl)");
                }
            }
        }
        return new KafkaSecurity(protocol, mechanism, username, password, ssl, extra(config));
    }

    private static Map<String, String> ssl(Config config, Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        String endpoint = config.getString(SSL_PREFIX + "endpoint-identification-algorithm").trim();
        if (!endpoint.isEmpty() && !endpoint.equalsIgnoreCase("https")) {
            throw ConfigException.invalid(SSL_PREFIX + "endpoint-identification-algorithm", "https or empty (no host name check)", "'" + endpoint + "'");
        }
        out.put("ssl.endpoint.identification.algorithm", endpoint.toLowerCase(Locale.ROOT));
        String truststore = config.getString(SSL_PREFIX + "truststore-location").trim();
        if (!truststore.isEmpty()) {
            out.put("ssl.truststore.location", truststore);
            putType(config, out, "truststore");
            String pw = Secrets.readOptional(config, env, SSL_PREFIX + "truststore-password");
            if (pw != null) {
                out.put("ssl.truststore.password", pw);
            }
        }
        String keystore = config.getString(SSL_PREFIX + "keystore-location").trim();
        if (!keystore.isEmpty()) {
            out.put("ssl.keystore.location", keystore);
            putType(config, out, "keystore");
            String pw = Secrets.read(config, env, SSL_PREFIX + "keystore-password");
            out.put("ssl.keystore.password", pw);
            out.put("ssl.key.password", pw);
        }
        return out;
    }

    private static void putType(Config config, Map<String, String> out, String store) {
        String key = SSL_PREFIX + store + "-type";
        String type = config.getString(key).trim().toUpperCase(Locale.ROOT);
        if (type.isEmpty()) {
            return;
        }
        if (!List.of("JKS", "PKCS12", "PEM").contains(type)) {
            throw ConfigException.invalid(key, "JKS, PKCS12 or PEM (or empty)", "'" + type + "'");
        }
        out.put("ssl." + store + ".type", type);
    }

    /**
     * {@code kafka.properties}: NAME=VALUE entries. The list is stored comma-separated, so an entry
     * without '=' continues the previous value ({@code ssl.enabled.protocols=TLSv1.2,TLSv1.3}).
     * Properties these options own, and anything that looks like a secret, are refused here.
     */
    private static Map<String, String> extra(Config config) {
        Map<String, String> out = new LinkedHashMap<>();
        String last = null;
        for (String entry : config.getList(PROPERTIES_KEY)) {
            int eq = entry.indexOf('=');
            if (eq < 0) {
                if (last == null) {
                    throw ConfigException.invalid(PROPERTIES_KEY, "a list of NAME=VALUE", "'" + entry + "'");
                }
                out.put(last, out.get(last) + "," + entry);
                continue;
            }
            String name = entry.substring(0, eq).trim();
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.contains("password") || lower.contains("jaas") || lower.startsWith("sasl.") || lower.equals("security.protocol")) {
                throw new ConfigException(PROPERTIES_KEY + ": " + name + " is set by the kafka.security-protocol, kafka.sasl.* and"
                        + " kafka.ssl.* keys (secrets from -env or -file keys), not here");
            }
            if (lower.equals("bootstrap.servers") || lower.equals("group.id") || lower.endsWith("serializer")) {
                throw new ConfigException(PROPERTIES_KEY + ": " + name + " is set by the source and sink keys, not here");
            }
            last = name;
            out.put(name, entry.substring(eq + 1).trim());
        }
        return out;
    }

    /** The client properties: {@code security.protocol}, SASL, TLS and the extra properties. */
    public Properties properties() {
        Properties p = new Properties();
        p.putAll(extra);
        p.setProperty("security.protocol", protocol.name());
        if (protocol.sasl()) {
            p.setProperty("sasl.mechanism", mechanism.kafkaName());
            p.setProperty("sasl.jaas.config", mechanism.loginModule + " required username=\"" + jaasEscape(saslUsername)
                    + "\" password=\"" + jaasEscape(saslPassword) + "\";");
        }
        p.putAll(ssl);
        return p;
    }

    private static String jaasEscape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Every password and the JAAS line masked; the SASL user name is shown. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<Object, Object> e : new java.util.TreeMap<>(properties()).entrySet()) {
            String name = e.getKey().toString();
            boolean secret = name.contains("password") || name.equals("sasl.jaas.config");
            parts.add(name + "=" + (secret ? Secrets.MASK : e.getValue()));
        }
        if (saslUsername != null) {
            parts.add("sasl.username=" + saslUsername);
        }
        return "KafkaSecurity" + parts;
    }
}
