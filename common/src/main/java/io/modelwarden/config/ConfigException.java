package io.modelwarden.config;

/**
 * A bad configuration key, value, flag or input path. Its message is one line that names the key and
 * the problem; the CLI prints it and exits with code 2.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code key must be <requirement>, was <value>}. */
    public static ConfigException invalid(String key, String requirement, Object value) {
        return new ConfigException(key + " must be " + requirement + ", was " + value);
    }
}
