package io.modelwarden.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelwarden.model.InferenceEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrafficScenariosTest {
    private final TrafficScenarios world = TrafficScenarios.standard();

    private static void assertSameEvents(List<InferenceEvent> a, List<InferenceEvent> b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).eventId).isEqualTo(b.get(i).eventId);
            assertThat(a.get(i).timestampMillis).isEqualTo(b.get(i).timestampMillis);
            assertThat(a.get(i).features).containsExactly(b.get(i).features);
            assertThat(a.get(i).predictedLabel).isEqualTo(b.get(i).predictedLabel);
        }
    }

    @Test
    void sameSeedSameEvents() {
        TrafficScenarios again = TrafficScenarios.standard();
        assertSameEvents(world.benign("c", 100, 1, 3), again.benign("c", 100, 1, 3));
        assertSameEvents(world.jbdaExtraction("c", 100, 3), again.jbdaExtraction("c", 100, 3));
        assertSameEvents(world.hopSkipJump("c", 100, 3), again.hopSkipJump("c", 100, 3));
        assertSameEvents(world.nearDuplicates("c", 100, 0.1, 3), again.nearDuplicates("c", 100, 0.1, 3));
        assertSameEvents(world.retrying("c", 100, 3), again.retrying("c", 100, 3));
        assertThat(world.benign("c", 50, 1, 3).get(0).features).isNotEqualTo(world.benign("c", 50, 1, 4).get(0).features);
    }

    @Test
    void eventsAreOrderedAndAnswered() {
        for (List<InferenceEvent> events : List.of(
                world.benign("c", 200, 1, 1), world.uniformExtraction("u", 200, 1), world.hopSkipJump("h", 200, 1))) {
            for (int i = 0; i < events.size(); i++) {
                InferenceEvent e = events.get(i);
                assertThat(e.modelId).isEqualTo(TrafficScenarios.MODEL_ID);
                assertThat(e.features).hasSize(8);
                assertThat(e.probabilities).hasSize(3);
                double sum = 0;
                for (double p : e.probabilities) {
                    sum += p;
                }
                assertThat(sum).isCloseTo(1.0, within(1e-9));
                assertThat(e.confidence).isGreaterThanOrEqualTo(1.0 / 3);
                if (i > 0) {
                    assertThat(e.timestampMillis).isGreaterThan(events.get(i - 1).timestampMillis);
                }
            }
        }
    }

    @Test
    void batchScorerRunsAt50QueriesPerSecond() {
        List<InferenceEvent> events = world.batchScorer("batch", 5_000, 9);
        double seconds = (events.get(4_999).timestampMillis - events.get(0).timestampMillis) / 1000.0;
        assertThat(5_000 / seconds).isBetween(45.0, 55.0);
    }

    @Test
    void retryingClientResendsRecords() {
        List<InferenceEvent> events = world.retrying("r", 1_000, 10);
        long distinct = events.stream().map(e -> java.util.Arrays.toString(e.features)).distinct().count();
        assertThat(distinct).isBetween(250L, 350L); // ~30% fresh records
    }

    @Test
    void hopSkipJumpHugsTheBoundary() {
        long low = world.hopSkipJump("h", 200, 1).stream().filter(e -> e.margin() < 0.1).count();
        long benignLow = world.benign("c", 200, 1, 1).stream().filter(e -> e.margin() < 0.1).count();
        assertThat(low).isGreaterThan(100);
        assertThat(benignLow).isLessThan(40);
    }
}
