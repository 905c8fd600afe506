package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.json.Json;
import io.modelwarden.model.InferenceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The alerts of one uninterrupted run of the monitor over a whole event stream (its alerts.jsonl),
 * and the split of that stream into two parts for a stop-with-savepoint test: the stream is cut at
 * the event time of the median alert, so that both parts raise alerts.
 *
 * <p>An alert's {@code event_time} is its trigger's, and a trigger's key history lies before it, so
 * the alerts of part 1 are exactly the reference alerts dated before the split. That makes "none
 * lost, none duplicated" checkable: after part 1 the sinks hold {@link #beforeSplit()}, after part 2
 * {@link #ids()}.
 */
public final class ReferenceAlerts {
    private final Map<String, Instant> eventTimes;
    private final long splitMillis;

    private ReferenceAlerts(Map<String, Instant> eventTimes) {
        this.eventTimes = eventTimes;
        this.splitMillis = eventTimes.values().stream().sorted().toList().get(eventTimes.size() / 2).toEpochMilli();
    }

    /** Reads alerts.jsonl; fails unless it holds each alert once. */
    public static ReferenceAlerts read(Path alertsJsonl) throws IOException {
        Map<String, Instant> times = new TreeMap<>();
        List<String> lines = Files.readAllLines(alertsJsonl);
        for (String line : lines) {
            JsonNode a = Json.read(line);
            times.put(a.get("alert_id").asText(), Instant.parse(a.get("event_time").asText()));
        }
        assertThat(times).as("alerts of the uninterrupted run").isNotEmpty();
        assertThat(times).as("an uninterrupted run emits each alert once").hasSize(lines.size());
        return new ReferenceAlerts(times);
    }

    /**
     * Fails unless every source IP belongs to one client: then the IP-keyed operator sees each key's
     * events from one Kafka partition (events are keyed by client), in one order in every run, which
     * exact equality with the reference needs.
     */
    public static void assertOneClientPerIp(List<InferenceEvent> events) {
        Map<String, Set<String>> clientsByIp = new HashMap<>();
        events.forEach(e -> clientsByIp.computeIfAbsent(e.sourceIp, k -> new TreeSet<>()).add(e.clientId));
        assertThat(clientsByIp.values()).as("clients sharing a source IP").allSatisfy(c -> assertThat(c).hasSize(1));
    }

    /** Every alert id of the uninterrupted run. */
    public Set<String> ids() {
        return eventTimes.keySet();
    }

    /** The ids of the alerts dated before the split: what part 1 alone must raise. */
    public Set<String> beforeSplit() {
        Set<String> out = new TreeSet<>();
        eventTimes.forEach((id, t) -> {
            if (t.toEpochMilli() < splitMillis) {
                out.add(id);
            }
        });
        assertThat(out).as("alerts before the split").isNotEmpty();
        assertThat(out.size()).as("alerts before the split").isLessThan(eventTimes.size());
        return out;
    }

    /** The part of {@code events} (in time order) before the split. */
    public List<InferenceEvent> part1(List<InferenceEvent> events) {
        return events.subList(0, splitIndex(events));
    }

    /** The part of {@code events} (in time order) from the split on. */
    public List<InferenceEvent> part2(List<InferenceEvent> events) {
        return events.subList(splitIndex(events), events.size());
    }

    private int splitIndex(List<InferenceEvent> events) {
        int split = 0;
        while (events.get(split).timestampMillis < splitMillis) {
            split++;
        }
        return split;
    }
}
