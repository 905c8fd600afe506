package io.modelwarden.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Secrets (database and Kafka credentials, keystore passwords) never sit in the configuration or on
 * the command line: a secret {@code X} has two keys, {@code X-env} (the name of an environment
 * variable) and {@code X-file} (the path of a file holding it, such as a Kubernetes secret volume).
 * A non-empty {@code X-file} wins over {@code X-env}. Values are never logged: {@link #mask} hides
 * the ones that travel inside URLs and JAAS lines.
 */
public final class Secrets {
    /** What a secret is replaced with in logged text. */
    public static final String MASK = "***";

    private static final Pattern PASSWORD_PARAM =
            Pattern.compile("(?i)(password\\s*=\\s*)(\"[^\"]*\"|'[^']*'|[^&;\\s]*)");

    private Secrets() {}

    /**
     * The secret {@code base} (e.g. {@code scan.sinks.jdbc.password}): from the file {@code base-file}
     * names if set, otherwise from the environment variable {@code base-env} names.
     *
     * @throws ConfigException naming the key when the variable is unset or the file unreadable or empty
     */
    public static String read(Config config, Map<String, String> env, String base) {
        String value = readOptional(config, env, base);
        if (value == null) {
            throw new ConfigException(base + "-env must name an environment variable (or " + base
                    + "-file a file) holding the secret, both were empty");
        }
        return value;
    }

    /** As {@link #read}, but null when both {@code base-file} and {@code base-env} are empty. */
    public static String readOptional(Config config, Map<String, String> env, String base) {
        String fileKey = base + "-file";
        String envKey = base + "-env";
        String file = config.has(fileKey) ? config.getString(fileKey).trim() : "";
        if (!file.isEmpty()) {
            return fromFile(fileKey, Path.of(file));
        }
        String name = config.getString(envKey).trim();
        if (name.isEmpty()) {
            return null;
        }
        String value = env.get(name);
        if (value == null) {
            throw new ConfigException(envKey + ": environment variable " + name + " is not set");
        }
        return value;
    }

    /**
     * The secret held in {@code path} (one trailing newline dropped); {@code key} names where the path
     * came from in the error.
     *
     * @throws ConfigException when the file is unreadable or empty
     */
    public static String fromFile(String key, Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : String.valueOf(e.getMessage());
            throw new ConfigException(key + ": cannot read " + path + " (" + why + ")");
        }
        // A secret file written with echo or kubectl ends in a newline that is not part of the secret.
        String value = text.replaceAll("[\r\n]+$", "");
        if (value.isEmpty()) {
            throw new ConfigException(key + ": " + path + " is empty");
        }
        return value;
    }

    /**
     * {@code text} with every {@code password=...} value (URL parameters, JAAS options, quoted or not)
     * replaced by {@link #MASK}.
     */
    public static String mask(String text) {
        if (text == null) {
            return null;
        }
        return PASSWORD_PARAM.matcher(text).replaceAll("$1" + MASK);
    }
}
