package dev.mailgateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgateway.server.Arguments.Command;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ArgumentsTest {

    @Test
    void noArgumentsRunsWithoutAConfigPath() {
        assertThat(Arguments.parse(new String[0])).isEqualTo(new Arguments(Command.RUN, null));
    }

    @Test
    void configTakesASeparateOrAnAttachedValue() {
        assertThat(Arguments.parse(new String[] {"--config", "a.json"}).configFile()).isEqualTo(Path.of("a.json"));
        assertThat(Arguments.parse(new String[] {"--config=b.json"}).configFile()).isEqualTo(Path.of("b.json"));
    }

    @Test
    void subcommandAndCheckConfigInAnyOrder() {
        assertThat(Arguments.parse(new String[] {"healthcheck", "--config", "c.json"}))
                .isEqualTo(new Arguments(Command.HEALTHCHECK, Path.of("c.json")));
        assertThat(Arguments.parse(new String[] {"--config", "c.json", "--check-config"}).command())
                .isEqualTo(Command.CHECK_CONFIG);
    }

    @Test
    void helpAndVersionWin() {
        assertThat(Arguments.parse(new String[] {"--check-config", "--help"}).command()).isEqualTo(Command.HELP);
        assertThat(Arguments.parse(new String[] {"--version", "healthcheck"}).command()).isEqualTo(Command.VERSION);
    }

    @Test
    void rejectsConflictsRepeatsAndUnknowns() {
        assertThatThrownBy(() -> Arguments.parse(new String[] {"--check-config", "healthcheck"}))
                .hasMessageContaining("cannot be combined");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"--config", "a", "--config", "b"}))
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"--config="}))
                .hasMessageContaining("unknown argument");
        assertThatThrownBy(() -> Arguments.parse(new String[] {"start"}))
                .isInstanceOf(Arguments.UsageException.class).hasMessageContaining("\"start\"");
    }
}
