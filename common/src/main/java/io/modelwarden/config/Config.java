package io.modelwarden.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Flat, typed view of {@code warden.yaml}: dotted keys with kebab-case leaves
 * ({@code scan.detectors.isolation-forest.trees}). The defaults file defines every key and its type;
 * a user file (--config) replaces it and must not introduce unknown keys; single flags override
 * single keys. Every getter validates and names the key in its error.
 */
public final class Config implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** The classpath copy of conf/warden.yaml, kept in sync by the build. */
    public static final String DEFAULTS_RESOURCE = "/warden.yaml";

    private final TreeMap<String, String> values;

    private Config(TreeMap<String, String> values) {
        this.values = values;
    }

    /** The shipped defaults (conf/warden.yaml, packaged as a resource). */
    public static Config defaults() {
        try (InputStream in = Config.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + DEFAULTS_RESOURCE);
            }
            return new Config(flatten(YAML.readTree(in), "defaults"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + DEFAULTS_RESOURCE, e);
        }
    }

    /**
     * Loads a user file that replaces the defaults: keys it leaves out keep their default values, and a
     * key the defaults do not know is an error (a typo must not be silently ignored).
     */
    public static Config load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("--config: no such file: " + file);
        }
        Config defaults = defaults();
        TreeMap<String, String> user;
        try (InputStream in = Files.newInputStream(file)) {
            JsonNode root = YAML.readTree(in);
            if (root == null || root.isMissingNode() || root.isNull()) {
                return defaults;
            }
            if (!root.isObject()) {
                throw new ConfigException("--config: " + file + " must hold a YAML mapping at the top level");
            }
            user = flatten(root, file.toString());
        } catch (IOException e) {
            throw new ConfigException("--config: cannot parse " + file + ": " + firstLine(e.getMessage()));
        }
        return defaults.withAll(user);
    }

    /** A copy with the given keys overridden; each key must exist. */
    public Config withAll(Map<String, String> overrides) {
        TreeMap<String, String> copy = new TreeMap<>(values);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (!copy.containsKey(e.getKey())) {
                throw new ConfigException(e.getKey() + ": unknown configuration key" + suggestion(e.getKey()));
            }
            copy.put(e.getKey(), e.getValue());
        }
        return new Config(copy);
    }

    public Config with(String key, String value) {
        return withAll(Map.of(key, value));
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The raw text of a key; empty string for null. */
    public String getString(String key) {
        String v = values.get(key);
        if (v == null && !values.containsKey(key)) {
            throw new IllegalArgumentException("unknown configuration key " + key + " (missing from warden.yaml)");
        }
        return v == null ? "" : v;
    }

    public int getInt(String key) {
        String raw = getString(key);
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key, "an integer", quote(raw));
        }
    }

    public long getLong(String key) {
        String raw = getString(key);
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key, "an integer", quote(raw));
        }
    }

    public double getDouble(String key) {
        String raw = getString(key);
        double v;
        try {
            v = Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key, "a number", quote(raw));
        }
        if (!Double.isFinite(v)) {
            throw ConfigException.invalid(key, "a finite number", raw);
        }
        return v;
    }

    public boolean getBoolean(String key) {
        String raw = getString(key).trim();
        if (raw.equalsIgnoreCase("true")) {
            return true;
        }
        if (raw.equalsIgnoreCase("false")) {
            return false;
        }
        throw ConfigException.invalid(key, "true or false", quote(raw));
    }

    /** A comma-separated list (YAML lists are stored that way); empty entries dropped. */
    public List<String> getList(String key) {
        List<String> out = new ArrayList<>();
        for (String part : getString(key).split(",")) {
            String t = part.trim();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    public <E extends Enum<E>> E getEnum(String key, Class<E> type) {
        String raw = getString(key).trim();
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(raw.replace('-', '_'))) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase().replace('_', '-'));
        }
        throw ConfigException.invalid(key, "one of " + names, quote(raw));
    }

    /** Every key below {@code prefix.} with the prefix removed. */
    public Map<String, String> subtree(String prefix) {
        Map<String, String> out = new TreeMap<>();
        String p = prefix + ".";
        for (Map.Entry<String, String> e : values.tailMap(p).entrySet()) {
            if (!e.getKey().startsWith(p)) {
                break;
            }
            out.put(e.getKey().substring(p.length()), e.getValue());
        }
        return out;
    }

    /**
     * {@code key=value, ...} of the keys below the given top-level sections ({@code "scan"}, {@code
     * "kafka"}) whose value differs from the shipped defaults (conf/warden.yaml), then how many are at
     * their default: the options line a job logs once at start, short enough to read. Secrets never sit
     * in the configuration (only the names of their variables and files do), and a {@code password=}
     * inside a value such as a JDBC URL is masked all the same ({@link Secrets#mask}).
     */
    public String describe(String... sections) {
        Config defaults = defaults();
        StringBuilder out = new StringBuilder();
        int unchanged = 0;
        for (String section : sections) {
            for (Map.Entry<String, String> e : subtree(section).entrySet()) {
                String key = section + "." + e.getKey();
                if (e.getValue().equals(defaults.values.get(key))) {
                    unchanged++;
                    continue;
                }
                if (out.length() > 0) {
                    out.append(", ");
                }
                out.append(key).append('=').append(Secrets.mask(e.getValue()));
            }
        }
        if (out.length() == 0) {
            out.append("the defaults");
        }
        return out.append(" (").append(unchanged).append(" other keys of ").append(String.join(", ", sections)).append(" at their defaults)").toString();
    }

    /** All keys and values, secrets are not stored here (they come from environment variables or files, see Secrets). */
    public Map<String, String> asMap() {
        return new TreeMap<>(values);
    }

    // ---- validation helpers used by *Settings.fromConfig ----

    public int positiveInt(String key) {
        int v = getInt(key);
        if (v <= 0) {
            throw ConfigException.invalid(key, "> 0", v);
        }
        return v;
    }

    public double positiveDouble(String key) {
        double v = getDouble(key);
        if (v <= 0) {
            throw ConfigException.invalid(key, "> 0", v);
        }
        return v;
    }

    /** A number in [lo, hi]. */
    public double doubleIn(String key, double lo, double hi) {
        double v = getDouble(key);
        if (v < lo || v > hi) {
            throw ConfigException.invalid(key, "in [" + lo + ", " + hi + "]", v);
        }
        return v;
    }

    private static TreeMap<String, String> flatten(JsonNode root, String source) {
        TreeMap<String, String> out = new TreeMap<>();
        flatten(root, "", out, source);
        return out;
    }

    private static void flatten(JsonNode node, String prefix, Map<String, String> out, String source) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = ((ObjectNode) node).fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                JsonNode child = e.getValue();
                if (child.isObject() && child.size() > 0) {
                    flatten(child, key, out, source);
                } else if (child.isObject()) {
                    out.put(key, "");
                } else if (child.isArray()) {
                    List<String> items = new ArrayList<>();
                    for (JsonNode item : child) {
                        if (item.isContainerNode()) {
                            throw new ConfigException(key + ": lists may hold only plain values (" + source + ")");
                        }
                        items.add(item.asText());
                    }
                    out.put(key, String.join(",", items));
                } else if (child.getNodeType() == JsonNodeType.NULL) {
                    out.put(key, null);
                } else {
                    out.put(key, child.asText());
                }
            }
        }
    }

    private String suggestion(String key) {
        int dot = key.lastIndexOf('.');
        String leaf = dot < 0 ? key : key.substring(dot + 1);
        for (String known : values.keySet()) {
            if (known.endsWith("." + leaf) || known.equals(leaf)) {
                return " (did you mean " + known + "?)";
            }
        }
        return "";
    }

    private static String quote(String raw) {
        return "'" + raw + "'";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
