package io.modelwarden.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {
    static final String BASE = "scan.sinks.jdbc.password";

    @TempDir
    Path dir;

    @Test
    void readsTheEnvironmentVariableTheEnvKeyNames() {
        assertThat(Secrets.read(Config.defaults(), Map.of("WARDEN_JDBC_PASSWORD", "s3cr3t-env"), BASE)).isEqualTo("s3cr3t-env");
    }

    @Test
    void aFileWinsOverTheEnvironmentAndLosesItsTrailingNewline() throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "s3cr3t-file\n");
        Config c = Config.defaults().with(BASE + "-file", file.toString());

        assertThat(Secrets.read(c, Map.of("WARDEN_JDBC_PASSWORD", "s3cr3t-env"), BASE)).isEqualTo("s3cr3t-file");
    }

    @Test
    void anUnsetVariableAMissingOrEmptyFileNameTheKey() throws Exception {
        assertThatThrownBy(() -> Secrets.read(Config.defaults(), Map.of(), BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessage("scan.sinks.jdbc.password-env: environment variable WARDEN_JDBC_PASSWORD is not set");
        Config missing = Config.defaults().with(BASE + "-file", dir.resolve("nope").toString());
        assertThatThrownBy(() -> Secrets.read(missing, Map.of(), BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("scan.sinks.jdbc.password-file: cannot read ");
        Config empty = Config.defaults().with(BASE + "-file", Files.writeString(dir.resolve("empty"), "\n").toString());
        assertThatThrownBy(() -> Secrets.read(empty, Map.of(), BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("empty is empty");
        Config neither = Config.defaults().with(BASE + "-env", "");
        assertThatThrownBy(() -> Secrets.read(neither, Map.of(), BASE))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("scan.sinks.jdbc.password-env must name an environment variable");
        assertThat(Secrets.readOptional(neither, Map.of(), BASE)).isNull();
    }

    @Test
    void maskHidesPasswordsInUrlsAndJaasLines() {
        assertThat(Secrets.mask("jdbc:postgresql://db/w?user=u&password=Hunter2&sslmode=require"))
                .isEqualTo("jdbc:postgresql://db/w?user=u&password=***&sslmode=require");
        assertThat(Secrets.mask("PlainLoginModule required username=\"alice\" password=\"Hunter 2\";"))
                .isEqualTo("PlainLoginModule required username=\"alice\" password=***;");
        assertThat(Secrets.mask("no secret here")).isEqualTo("no secret here");
    }

    @Test
    void describeListsTheSectionsWithPasswordsMasked() {
        Config c = Config.defaults().with("scan.sinks.jdbc.url", "jdbc:postgresql://db/w?password=Hunter2");

        String line = c.describe("scan", "kafka");

        assertThat(line).startsWith("scan.sinks.jdbc.url=jdbc:postgresql://db/w?password=*** (")
                .doesNotContain("kafka.security-protocol=plaintext") // at its default: counted, not listed
                .doesNotContain("Hunter2")
                .doesNotContain("monitor.");
        int keys = c.subtree("scan").size() + c.subtree("kafka").size();
        assertThat(line).endsWith("(" + (keys - 1) + " other keys of scan, kafka at their defaults)");
        assertThat(Config.defaults().describe("monitor")).startsWith("the defaults (");
    }
}
