package io.modelwarden.monitor;

import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.ServingDetection;
import io.modelwarden.detect.serving.ServingDetector;
import io.modelwarden.detect.serving.SuppressionState;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Runs every client-keyed detector of the event's model on each event, keyed by {@code
 * model_id|client_id}. Each detector's state lives in its own {@code ValueState} ({@code
 * "<detector-id>.state"}), with a suppression state per detector ({@code "<detector-id>.suppression"})
 * that holds back repeated alerts within the cool-down unless the score rises. One event-time timer
 * owns all of the key's state: it fires after the longest idle timeout of the model's detectors
 * without traffic (rounded up to the minute so timers coalesce) and clears everything.
 *
 * <p>Late events (behind the watermark) are counted ({@code lateEvents}) and still observed: the
 * detectors are state machines over the client's sequence, not windows that have closed.
 */
public final class ServingDetectorsFunction extends KeyedProcessFunction<String, InferenceEvent, Alert> {
    private static final long serialVersionUID = 1L;
    static final long TIMER_ROUNDING_MS = 60_000;

    private final DetectorCatalog catalog;
    private final AlertFactory alerts;
    private final AlertSuppression suppression;

    private transient Map<String, ValueState<Object>> states;
    private transient Map<String, ValueState<SuppressionState>> suppressions;
    /** Per model id: its detectors with their state handles, resolved once (a map lookup per event, not per detector). */
    private transient Map<String, ModelSlots> slotsByModel;
    private transient ValueState<Long> cleanupAt;
    private transient Counter eventsObserved;
    private transient Counter alertsEmitted;
    private transient Counter alertsSuppressed;
    private transient Counter lateEvents;
    private transient Counter keysExpired;
    private transient MonitorStart monitorStart;

    public ServingDetectorsFunction(DetectorCatalog catalog, AlertFactory alerts, AlertSuppression suppression) {
        this.catalog = catalog;
        this.alerts = alerts;
        this.suppression = suppression;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void open(OpenContext context) {
        states = new HashMap<>();
        suppressions = new HashMap<>();
        for (Map.Entry<String, ServingDetector<?>> e : catalog.all().entrySet()) {
            TypeInformation type = TypeInformation.of(e.getValue().stateClass());
            states.put(e.getKey(), getRuntimeContext().getState(new ValueStateDescriptor<Object>(e.getKey() + ".state", type)));
            suppressions.put(e.getKey(), getRuntimeContext().getState(
                    new ValueStateDescriptor<>(e.getKey() + ".suppression", TypeInformation.of(SuppressionState.class))));
        }
        slotsByModel = new HashMap<>();
        cleanupAt = getRuntimeContext().getState(new ValueStateDescriptor<>("cleanup-at", Types.LONG));
        var group = getRuntimeContext().getMetricGroup().addGroup("detector");
        eventsObserved = group.counter("eventsObserved");
        alertsEmitted = group.counter("alertsEmitted");
        alertsSuppressed = group.counter("alertsSuppressed");
        lateEvents = group.counter("lateEvents");
        keysExpired = group.counter("keysExpired");
        monitorStart = new MonitorStart();
    }

    @Override
    public void processElement(InferenceEvent e, Context ctx, Collector<Alert> out) throws Exception {
        eventsObserved.inc();
        monitorStart.of(e); // the first event of this instance, whichever key it has
        if (e.timestampMillis < ctx.timerService().currentWatermark()) {
            lateEvents.inc();
        }
        ModelSlots model = slotsByModel.get(e.modelId);
        if (model == null) {
            model = slots(e.modelId);
            slotsByModel.put(e.modelId, model);
        }
        for (Slot slot : model.slots) {
            observe(slot.detector, slot.state, slot.suppression, e, out);
        }
        moveCleanupTimer(ctx, e.timestampMillis + model.idleMillis);
    }

    private ModelSlots slots(String modelId) {
        List<ServingDetector<?>> detectors = catalog.forModel(modelId);
        Slot[] out = new Slot[detectors.size()];
        for (int i = 0; i < out.length; i++) {
            String id = detectors.get(i).id();
            out[i] = new Slot(detectors.get(i), states.get(id), suppressions.get(id));
        }
        return new ModelSlots(out, catalog.idleTimeout(modelId).toMillis());
    }

    private record Slot(ServingDetector<?> detector, ValueState<Object> state, ValueState<SuppressionState> suppression) {}

    /** A model's detectors with their state handles, and the model's idle timeout. */
    private record ModelSlots(Slot[] slots, long idleMillis) {}

    private <S> void observe(ServingDetector<S> d, ValueState<Object> state, ValueState<SuppressionState> sup, InferenceEvent e, Collector<Alert> out)
            throws Exception {
        Object stored = state.value();
        S current = stored == null ? d.newState(e.timestampMillis, monitorStart.of(e)) : d.stateClass().cast(stored);
        Optional<ServingDetection> hit = d.observe(current, e);
        state.update(current); // always write back: RocksDB keeps a copy, not our object
        if (hit.isEmpty()) {
            return;
        }
        Alert alert = alerts.create(hit.get(), d, e);
        SuppressionState s = sup.value();
        if (s == null) {
            s = suppression.newState();
        }
        boolean admitted = suppression.admit(s, alert);
        sup.update(s);
        if (admitted) {
            out.collect(alert);
            alertsEmitted.inc();
        } else {
            alertsSuppressed.inc();
        }
    }

    private void moveCleanupTimer(Context ctx, long idleAt) throws Exception {
        // Rounded up to a minute: a busy key moves its timer at most once a minute, and timers of
        // many keys coalesce.
        long at = (idleAt / TIMER_ROUNDING_MS + 1) * TIMER_ROUNDING_MS;
        Long pending = cleanupAt.value();
        if (pending != null && pending == at) {
            return;
        }
        if (pending != null) {
            ctx.timerService().deleteEventTimeTimer(pending);
        }
        ctx.timerService().registerEventTimeTimer(at);
        cleanupAt.update(at);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        Long pending = cleanupAt.value();
        if (pending == null || pending != timestamp) {
            return;
        }
        for (ValueState<Object> s : states.values()) {
            s.clear();
        }
        for (ValueState<SuppressionState> s : suppressions.values()) {
            s.clear();
        }
        cleanupAt.clear();
        keysExpired.inc();
    }
}
