package io.modelwarden.monitor;

import io.modelwarden.detect.Detection;
import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.ExplanationAbuseDetector;
import io.modelwarden.detect.serving.RateDetector;
import io.modelwarden.detect.serving.ServingBaseline;
import io.modelwarden.detect.serving.WarmupSample;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.ServingDetection;
import io.modelwarden.detect.serving.ServingDetector;
import io.modelwarden.detect.serving.SuppressionState;
import io.modelwarden.metrics.WardenMetrics;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every client-keyed detector of the event's model on each event, keyed by {@code
 * model_id|client_id}. All of a key's state is one {@link ClientState} in one {@code ValueState}
 * ({@value #STATE_NAME}): each detector's state, and a suppression state per detector that holds back
 * repeated alerts within the cool-down unless the score rises. It is read once and written once per
 * event (on the heap backend a state access is a hash lookup; per detector it was a fifth of the
 * monitor's time). One event-time timer owns the state: it fires after the longest idle timeout of
 * the model's detectors without traffic (rounded up, {@link CleanupTimer}) and clears it.
 *
 * <p>A model without a baseline warms up ({@link ModelWarmups}, {@link WarmupSample}): its events fill a
 * calibration sample, and when it is complete the model's detectors are rebuilt on the calibrated
 * baseline (a new calibration number in {@link ModelSlots}); each key drops the states of the detectors
 * that depend on the calibration at its next event ({@link ClientState#calibration}). The warm-ups are
 * union operator state ({@code model-warmups}).
 *
 * <p>Late events (behind the watermark) are counted ({@code eventsLate}) and still observed: the
 * detectors are state machines over the client's sequence, not windows that have closed.
 *
 * <p>Metrics ({@link WardenMetrics}): {@code eventsObserved}, {@code eventsLate}, {@code alertsEmitted},
 * {@code alertsSuppressed}, {@code alerts} per threat and detector, {@code keysExpired}, {@code modelsCalibrated} and the gauge
 * {@code activeKeys}: keys seen and not yet expired, kept in operator state so that it survives a
 * restore. Summed over the subtasks it is exact; after a rescale one subtask's share is not (keys move
 * between subtasks, the counts do not follow them).
 */
public final class ServingDetectorsFunction extends KeyedProcessFunction<String, InferenceEvent, Alert>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ServingDetectorsFunction.class);
    static final String STATE_NAME = "client.state";

    private final DetectorCatalog catalog;
    private final AlertFactory alerts;
    private final AlertSuppression suppression;
    /** Of the keyed state: {@link StateSerializer}; a test gives Flink's POJO serializer, as builds before it used. */
    private final TypeSerializer<ClientState> stateSerializer;

    private transient ValueState<ClientState> state;
    /** Per model id: its detectors with their slots in {@link ClientState}, resolved once. */
    private transient Map<String, ModelSlots> slotsByModel;
    private transient Counter eventsObserved;
    private transient Counter alertsEmitted;
    private transient Counter alertsSuppressed;
    private transient Counter eventsLate;
    private transient Counter keysExpired;
    private transient Map<String, Counter> alertsByDetector;
    private transient ListState<Long> activeKeysState;
    private transient long activeKeys;
    private transient MonitorStart monitorStart;
    private transient ListState<byte[]> warmupState;
    private transient ModelWarmups warmups;
    private transient Counter modelsCalibrated;
    /** Predicted labels seen, each kept once (see {@link #canonicalLabel}). */
    private transient Map<String, String> labels;
    /** Distinct labels canonicalised at most: beyond that, labels pass as they come. */
    static final int MAX_CANONICAL_LABELS = 1024;

    public ServingDetectorsFunction(DetectorCatalog catalog, AlertFactory alerts, AlertSuppression suppression) {
        this(catalog, alerts, suppression, StateSerializer.of(ClientState.class));
    }

    ServingDetectorsFunction(DetectorCatalog catalog, AlertFactory alerts, AlertSuppression suppression, TypeSerializer<ClientState> stateSerializer) {
        this.catalog = catalog;
        this.alerts = alerts;
        this.suppression = suppression;
        this.stateSerializer = stateSerializer;
    }

    @Override
    public void open(OpenContext context) {
        for (String id : catalog.all().keySet()) {
            ClientState.slotOf(id); // fail at start, not at the first event, for a detector without a slot
        }
        state = getRuntimeContext().getState(new ValueStateDescriptor<>(STATE_NAME, stateSerializer));
        slotsByModel = new HashMap<>();
        labels = new HashMap<>();
        var group = WardenMetrics.group(getRuntimeContext().getMetricGroup());
        eventsObserved = group.counter("eventsObserved");
        alertsEmitted = group.counter("alertsEmitted");
        alertsSuppressed = group.counter("alertsSuppressed");
        eventsLate = group.counter("eventsLate");
        keysExpired = group.counter("keysExpired");
        modelsCalibrated = group.counter("modelsCalibrated");
        group.gauge("activeKeys", (Gauge<Long>) () -> activeKeys);
        Map<String, String> threats = new LinkedHashMap<>();
        catalog.all().forEach((id, d) -> threats.put(id, d.threat().name()));
        alertsByDetector = WardenMetrics.labelled(group, "alerts", "threat", threats);
        monitorStart = new MonitorStart();
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        activeKeysState = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("active-keys", Types.LONG));
        activeKeys = 0;
        for (Long n : activeKeysState.get()) {
            activeKeys += n;
        }
        warmupState = context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("model-warmups", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        warmups = ModelWarmups.restore(warmupState.get());
        for (String m : warmups.calibratedModels().keySet()) {
            LOG.info("Monitor: model {} was calibrated by its warm-up before the restore", m);
        }
        for (String line : warmups.describe()) {
            LOG.info("Monitor: {} (restored)", line);
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        activeKeysState.update(List.of(activeKeys));
        warmupState.update(List.of(warmups.toBytes()));
    }

    @Override
    public void processElement(InferenceEvent e, Context ctx, Collector<Alert> out) throws Exception {
        eventsObserved.inc();
        long start = monitorStart.of(e);
        if (e.timestampMillis < ctx.timerService().currentWatermark()) {
            eventsLate.inc();
        }
        e.predictedLabel = canonicalLabel(e.predictedLabel);
        ModelSlots model = slotsByModel.get(e.modelId);
        if (model == null) {
            model = slots(e.modelId);
            slotsByModel.put(e.modelId, model);
        }
        if (model.warmsUp) {
            model = warmUp(e, model);
        }
        ClientState cs = state.value();
        if (cs == null) {
            cs = new ClientState();
        }
        if (cs.calibration != model.calibration) {
            dropCalibratedStates(cs, model);
        }
        for (int i = 0; i < model.detectors.length; i++) {
            observe(model, i, cs, e, start, out);
        }
        moveCleanupTimer(ctx, cs, e.timestampMillis, model.idleMillis);
        state.update(cs); // always write back: RocksDB keeps a copy, not our object
    }

    /**
     * The one instance of this label string that detector states hold. Detectors compare a query's
     * label with labels they stored (the last queries, the classes seen): when both are the same
     * instance, {@code equals} returns without reading the stored string, which for a client's state
     * not in the CPU cache is a memory access per comparison. Equal strings compare equal either way.
     */
    private String canonicalLabel(String label) {
        if (label == null) {
            return null;
        }
        String known = labels.get(label);
        if (known != null) {
            return known;
        }
        if (labels.size() < MAX_CANONICAL_LABELS) {
            labels.put(label, label);
        }
        return label;
    }

    private ModelSlots slots(String modelId) {
        boolean warmsUp = catalog.warmsUp(modelId);
        ServingBaseline calibrated = warmsUp ? warmups.calibrated(modelId) : null;
        if (calibrated != null) {
            return calibratedSlots(calibrated);
        }
        return slots(catalog.forModel(modelId), warmsUp, 0, null);
    }

    private static ModelSlots slots(List<ServingDetector<?>> detectors, boolean warmsUp, int calibration, Map<String, Object> calibrationEvidence) {
        int[] slots = new int[detectors.size()];
        boolean[] calibrated = new boolean[slots.length];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = ClientState.slotOf(detectors.get(i).id());
            calibrated[i] = !BASELINE_FREE.contains(detectors.get(i).id());
        }
        return new ModelSlots(detectors.toArray(new ServingDetector<?>[0]), slots, calibrated, DetectorCatalog.idleTimeout(detectors).toMillis(), warmsUp,
                calibration, calibrationEvidence);
    }

    private ModelSlots calibratedSlots(ServingBaseline calibrated) {
        return slots(catalog.forCalibratedModel(calibrated), false, 1, calibrated.detector(WarmupSample.CALIBRATION));
    }

    /** Adds the event to its model's warm-up; when that completes it, calibrates the model's detectors. */
    private ModelSlots warmUp(InferenceEvent e, ModelSlots model) {
        WarmupSample complete = warmups.offer(e, catalog.warmup());
        if (complete == null) {
            return model;
        }
        ServingBaseline calibrated = complete.calibrate(catalog.config());
        warmups.finish(e.modelId, calibrated);
        ModelSlots next = calibratedSlots(calibrated);
        slotsByModel.put(e.modelId, next);
        modelsCalibrated.inc();
        LOG.info("Monitor: model {} calibrated by its warm-up ({}); its detectors now: {}", e.modelId, calibrated.detector(WarmupSample.CALIBRATION),
                Arrays.stream(next.detectors).map(ServingDetector::id).toList());
        return next;
    }

    /**
     * A key whose detector states were made under another calibration of its model (its first event
     * after the model's warm-up finished) starts those detectors afresh: their states hold vectors in the
     * old encoding. Rate and explanation states do not depend on it and are kept.
     */
    private static void dropCalibratedStates(ClientState cs, ModelSlots model) {
        for (int i = 0; i < model.slots.length; i++) {
            if (model.calibrated[i]) {
                cs.set(model.slots[i], null);
            }
        }
        cs.calibration = model.calibration;
    }

    /** Detectors whose state does not depend on the model's baseline. */
    private static final Set<String> BASELINE_FREE = Set.of(RateDetector.ID, ExplanationAbuseDetector.ID);

    /**
     * A model's detectors, their slots in {@link ClientState}, which of them depend on the calibration,
     * the model's idle timeout, whether its events go to a warm-up, and its calibration (0: as at start;
     * 1: by its warm-up, described by the evidence that its alerts carry).
     */
    private record ModelSlots(ServingDetector<?>[] detectors, int[] slots, boolean[] calibrated, long idleMillis, boolean warmsUp, int calibration,
            Map<String, Object> calibrationEvidence) {}

    private void observe(ModelSlots model, int i, ClientState cs, InferenceEvent e, long start, Collector<Alert> out) {
        observe(model.detectors[i], model.slots[i], model.calibrated[i] ? model.calibrationEvidence : null, cs, e, start, out);
    }

    private <S> void observe(ServingDetector<S> d, int slot, Map<String, Object> calibration, ClientState cs, InferenceEvent e, long start,
            Collector<Alert> out) {
        Object stored = cs.get(slot);
        S current;
        if (stored == null) {
            current = d.newState(e.timestampMillis, start);
            cs.set(slot, current);
        } else {
            current = d.stateClass().cast(stored);
        }
        Optional<ServingDetection> hit = d.observe(current, e);
        if (hit.isEmpty()) {
            return;
        }
        ServingDetection detection = hit.get();
        SuppressionState s = cs.suppressions[slot];
        if (s == null) {
            s = suppression.newState();
            cs.suppressions[slot] = s;
        }
        // Decided before the alert is made (its id is a SHA-256, its evidence JSON): a client that keeps
        // a detector firing through the cool-down costs only the check.
        if (!suppression.admit(s, d.id(), detection.detection().score(), e.timestampMillis)) {
            alertsSuppressed.inc();
            return;
        }
        if (calibration != null) {
            Map<String, Object> ev = new LinkedHashMap<>(detection.detection().evidence());
            ev.put("warmup_calibration", calibration);
            detection = new ServingDetection(Detection.of(detection.detection().score(), ev), detection.windowStartMillis(), detection.windowEndMillis());
        }
        out.collect(alerts.create(detection, d, e));
        alertsEmitted.inc();
        alertsByDetector.get(d.id()).inc();
    }

    private void moveCleanupTimer(Context ctx, ClientState cs, long eventMillis, long idleMillis) {
        if (cs.cleanupAt == CleanupTimer.NONE) {
            activeKeys++; // a key's first event (or its first after it expired)
        }
        cs.cleanupAt = CleanupTimer.move(ctx.timerService(), cs.cleanupAt, eventMillis, idleMillis);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        ClientState cs = state.value();
        if (cs == null || cs.cleanupAt != timestamp) {
            return;
        }
        state.clear();
        keysExpired.inc();
        activeKeys--;
    }
}
