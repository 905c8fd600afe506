package io.modelwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference and quick start stay in step with the code. */
class ReadmeTest {
    static final Path ROOT = Path.of("..");

    @Test
    void everyConfigurationKeyIsDocumented() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        for (String key : Config.defaults().asMap().keySet()) {
            assertThat(readme).as("README documents %s", key).contains("`" + key + "`");
        }
    }

    @Test
    void theQuickStartNamesFilesThatExist() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertThat(readme).contains("bin/warden scan --input samples/training.csv --output out/sample-scan", "mvn -B verify");
        assertThat(ROOT.resolve("samples/training.csv")).isRegularFile();
        assertThat(ROOT.resolve("bin/warden")).isExecutable();
        assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("mvn -B verify");
    }
}
