package io.modelwarden.monitor;

import io.modelwarden.connect.RejectedEvent;
import io.modelwarden.json.InferenceEvents;
import io.modelwarden.metrics.WardenMetrics;
import io.modelwarden.model.InferenceEvent;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses serving events. A malformed event (bad JSON, a missing field, a bad timestamp, a feature
 * count other than the model's baseline, NaN or infinity) never fails the job: it goes with its reason
 * to {@link #REJECTED} and bumps {@code eventsRejected}.
 */
public final class EventParser extends ProcessFunction<String, InferenceEvent> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<RejectedEvent> REJECTED = new OutputTag<>("rejected-events", TypeInformation.of(RejectedEvent.class));

    /** Feature count per model with a baseline; other models accept any count. */
    private final Map<String, Integer> dimensions;
    /** The feature count every model must have (a baseline for every model), or -1. */
    private final int everyModel;

    private transient Counter eventsParsed;
    private transient Counter eventsRejected;

    public EventParser(Map<String, Integer> dimensions, int everyModel) {
        this.dimensions = Map.copyOf(dimensions);
        this.everyModel = everyModel;
    }

    @Override
    public void open(OpenContext context) {
        var group = WardenMetrics.group(getRuntimeContext().getMetricGroup());
        eventsParsed = group.counter("eventsParsed");
        eventsRejected = group.counter("eventsRejected");
    }

    @Override
    public void processElement(String line, Context ctx, Collector<InferenceEvent> out) {
        InferenceEvents.Result r = InferenceEvents.parse(line, InferenceEvents.ANY_FEATURE_COUNT);
        if (!r.isEvent()) {
            eventsRejected.inc();
            ctx.output(REJECTED, RejectedEvent.of(r, line));
            return;
        }
        InferenceEvent e = r.event();
        Integer expected = dimensions.get(e.modelId);
        int want = expected != null ? expected : everyModel;
        if (want >= 0 && e.features.length != want) {
            reject(ctx, InferenceEvents.WRONG_FEATURE_COUNT, "model " + e.modelId + " has " + want + " features, the event has " + e.features.length, line);
            return;
        }
        eventsParsed.inc();
        out.collect(e);
    }

    private void reject(Context ctx, String reason, String detail, String line) {
        eventsRejected.inc();
        String raw = line.length() <= RejectedEvent.MAX_RAW_CHARS ? line : line.substring(0, RejectedEvent.MAX_RAW_CHARS);
        ctx.output(REJECTED, new RejectedEvent(reason, detail, raw));
    }
}
