package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSettings;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.ServingDetector;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.risk.RiskPolicy;
import io.modelwarden.synth.TrafficScenarios;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The keyed state's serializer: what it writes and reads, copies, and savepoints of earlier builds. */
class StateSerializerTest {
    static final TrafficScenarios TRAFFIC = ServingDetectorsFunctionTest.TRAFFIC;

    /** A client's state after an extraction attack and benign traffic through every detector, with suppressions. */
    static ClientState populated() {
        DetectorCatalog catalog = DetectorCatalog.build(ServingDetectorsFunctionTest.CONFIG, Map.of(TrafficScenarios.MODEL_ID, TRAFFIC.baseline()), null);
        List<InferenceEvent> events = new ArrayList<>(TRAFFIC.benign("c", 300, 1.0, 4));
        events.addAll(TRAFFIC.jbdaExtraction("c", 300, 5));
        ClientState cs = new ClientState();
        AlertSuppression suppression = new AlertSuppression(AlertSettings.fromConfig(ServingDetectorsFunctionTest.CONFIG));
        for (ServingDetector<?> d : catalog.forModel(TrafficScenarios.MODEL_ID)) {
            int slot = ClientState.slotOf(d.id());
            cs.set(slot, run(d, events));
            cs.suppressions[slot] = suppression.newState();
        }
        cs.cleanupAt = 123_456_789L;
        cs.calibration = 1;
        return cs;
    }

    private static <S> S run(ServingDetector<S> d, List<InferenceEvent> events) {
        S s = d.newState();
        for (InferenceEvent e : events) {
            d.observe(s, InferenceEventSerializer.INSTANCE.copy(e));
        }
        return s;
    }

    private static <T> T roundTrip(TypeSerializer<T> ser, T value) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        ser.serialize(value, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        T back = ser.deserialize(in);
        assertThat(in.available()).isZero();
        return back;
    }

    @Test
    void readsBackWhatFlinksPojoSerializerReadsBack() throws Exception {
        ClientState cs = populated();
        assertThat(cs.prada.growingColumns).isNotEmpty();
        assertThat(cs.statefulKnn.columns).isNotEmpty();
        TypeSerializer<ClientState> pojo = TypeInformation.of(ClientState.class).createSerializer(new SerializerConfigImpl());
        ClientState viaPojo = roundTrip(pojo, cs);
        ClientState viaState = roundTrip(StateSerializer.of(ClientState.class), cs);
        assertThat(viaState).usingRecursiveComparison().isEqualTo(viaPojo);
        assertThat(viaState).usingRecursiveComparison().ignoringFieldsMatchingRegexes(".*sortedPool", ".*poolJoined", ".*poolLeft",
                ".*sortedSize", ".*joinedSize", ".*leftSize", ".*poolValid", ".*entryNext", ".*bucketHead").isEqualTo(cs);
        assertThat(roundTrip(StateSerializer.of(ClientState.class), (ClientState) null)).isNull();
    }

    @Test
    void copiesShareNoArray() {
        ClientState cs = populated();
        StateSerializer<ClientState> ser = StateSerializer.of(ClientState.class);
        ClientState copy = ser.copy(cs);
        assertThat(copy).usingRecursiveComparison().isEqualTo(ser.copy(cs));
        assertThat(copy.prada).isNotSameAs(cs.prada);
        assertThat(copy.suppressions).isNotSameAs(cs.suppressions);
        byte before = cs.statefulKnn.columns[0];
        copy.statefulKnn.columns[0] = (byte) (before + 1);
        copy.rate.secondCounts[0]++;
        assertThat(cs.statefulKnn.columns[0]).isEqualTo(before);
        assertThat(cs.rate.secondCounts[0]).isEqualTo(copy.rate.secondCounts[0] - 1);
    }

    /** A state class as an earlier build had it, and as this build has it (one field gone, one new). */
    public static final class Shape {
        public int kept = 7;
        public long[] added = {42};
        public String label;

        public Shape() {}
    }

    @Test
    void aLayoutFromASnapshotReadsEarlierStateDroppingGoneFieldsAndKeepingNewDefaults() throws Exception {
        // The earlier layout of Shape: fields kept, gone (a double array) and label, in name order.
        DataOutputSerializer schema = new DataOutputSerializer(256);
        schema.writeUTF(Shape.class.getName());
        schema.writeInt(3);
        schema.writeUTF("gone");
        schema.writeByte(StateLayout.Kind.DOUBLES.ordinal());
        schema.writeUTF("kept");
        schema.writeByte(StateLayout.Kind.INT.ordinal());
        schema.writeUTF("label");
        schema.writeByte(StateLayout.Kind.STRING.ordinal());
        StateSerializer.Snapshot<Shape> earlier = new StateSerializer.Snapshot<>();
        earlier.readSnapshot(1, new DataInputDeserializer(schema.getCopyOfBuffer()), getClass().getClassLoader());
        // State that earlier build wrote: its length, then gone = [1.5, 2.5], kept = 3, label = "x".
        DataOutputSerializer fields = new DataOutputSerializer(256);
        fields.writeInt(2);
        fields.writeLong(Long.reverseBytes(Double.doubleToLongBits(1.5)));
        fields.writeLong(Long.reverseBytes(Double.doubleToLongBits(2.5)));
        fields.writeInt(3);
        byte[] x = "x".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        fields.writeInt(x.length);
        fields.write(x);
        DataOutputSerializer data = new DataOutputSerializer(256);
        data.writeInt(fields.length());
        data.write(fields.getCopyOfBuffer());
        DataInputDeserializer in = new DataInputDeserializer(data.getCopyOfBuffer());
        Shape s = earlier.restoreSerializer().deserialize(in);
        assertThat(in.available()).isZero();
        assertThat(s.kept).isEqualTo(3);
        assertThat(s.label).isEqualTo("x");
        assertThat(s.added).containsExactly(42);

        TypeSerializerSnapshot<Shape> current = StateSerializer.of(Shape.class).snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(earlier).isCompatibleAfterMigration()).isTrue();
        assertThat(current.resolveSchemaCompatibility(current).isCompatibleAsIs()).isTrue();
    }

    @Test
    void theSnapshotRoundTripsAndJudgesCompatibility() throws Exception {
        TypeSerializerSnapshot<ClientState> current = StateSerializer.of(ClientState.class).snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(4096);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, current);
        TypeSerializerSnapshot<ClientState> read = TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(out.getCopyOfBuffer()),
                getClass().getClassLoader());
        assertThat(current.resolveSchemaCompatibility(read).isCompatibleAsIs()).isTrue();
        assertThat(read.restoreSerializer()).isEqualTo(StateSerializer.of(ClientState.class));
        TypeSerializerSnapshot<ClientState> pojo = TypeInformation.of(ClientState.class).createSerializer(new SerializerConfigImpl()).snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(pojo).isCompatibleAfterMigration()).isTrue();
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<ClientState> other = (TypeSerializerSnapshot) StateSerializer.of(Shape.class).snapshotConfiguration();
        assertThat(current.resolveSchemaCompatibility(other).isIncompatible()).isTrue();
    }

    // ---- a savepoint of a build before StateSerializer (Flink's POJO serializer) ----

    static KeyedOneInputStreamOperatorTestHarness<String, InferenceEvent, Alert> harness(TypeSerializer<ClientState> ser, StateBackend backend)
            throws Exception {
        DetectorCatalog catalog = DetectorCatalog.build(ServingDetectorsFunctionTest.CONFIG, Map.of(TrafficScenarios.MODEL_ID, TRAFFIC.baseline()), null);
        AlertFactory alerts = new AlertFactory(RiskPolicy.fromConfig(ServingDetectorsFunctionTest.CONFIG),
                Clock.fixed(Instant.parse("2026-11-29T08:00:00Z"), ZoneOffset.UTC));
        var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new ServingDetectorsFunction(catalog, alerts,
                new AlertSuppression(AlertSettings.fromConfig(ServingDetectorsFunctionTest.CONFIG)), ser)), InferenceEvent::clientKey, Types.STRING);
        h.setStateBackend(backend);
        return h;
    }

    private static void aSavepointOfPojoStateResumesAsIfNeverStopped(StateBackend backend) throws Exception {
        List<InferenceEvent> attack = TRAFFIC.jbdaExtraction("attacker", 400, 5);
        TypeSerializer<ClientState> pojo = TypeInformation.of(ClientState.class).createSerializer(new SerializerConfigImpl());
        List<String> continuous;
        try (var h = harness(StateSerializer.of(ClientState.class), backend)) {
            h.open();
            continuous = ids(ServingDetectorsFunctionTest.run(h, attack));
        }
        assertThat(continuous).isNotEmpty();

        int cut = 120; // before the first alert
        List<String> resumed = new ArrayList<>();
        OperatorSubtaskState savepoint;
        try (var earlier = harness(pojo, backend)) {
            earlier.open();
            resumed.addAll(ids(ServingDetectorsFunctionTest.run(earlier, attack.subList(0, cut))));
            savepoint = earlier.snapshot(1, attack.get(cut).timestampMillis);
        }
        // Restored by this build, then snapshotted again with StateSerializer and restored once more.
        OperatorSubtaskState again;
        int cut2 = 250;
        try (var h = harness(StateSerializer.of(ClientState.class), backend)) {
            h.initializeState(savepoint);
            h.open();
            resumed.addAll(ids(ServingDetectorsFunctionTest.run(h, attack.subList(cut, cut2))));
            again = h.snapshot(2, attack.get(cut2).timestampMillis);
        }
        try (var h = harness(StateSerializer.of(ClientState.class), backend)) {
            h.initializeState(again);
            h.open();
            resumed.addAll(ids(ServingDetectorsFunctionTest.run(h, attack.subList(cut2, attack.size()))));
        }
        assertThat(resumed).containsExactlyElementsOf(continuous);

        List<String> fresh = new ArrayList<>();
        try (var h = harness(StateSerializer.of(ClientState.class), backend)) {
            h.open();
            fresh.addAll(ids(ServingDetectorsFunctionTest.run(h, attack.subList(cut, attack.size()))));
        }
        assertThat(fresh).as("without the restored state the alerts differ").isNotEqualTo(resumed);
    }

    @Test
    void aSavepointOfPojoStateResumesOnTheHeapBackend() throws Exception {
        aSavepointOfPojoStateResumesAsIfNeverStopped(new HashMapStateBackend());
    }

    @Test
    void aSavepointOfPojoStateResumesOnRocksDb() throws Exception {
        aSavepointOfPojoStateResumesAsIfNeverStopped(new EmbeddedRocksDBStateBackend());
    }

    private static List<String> ids(List<Alert> alerts) {
        return alerts.stream().map(a -> a.alertId).toList();
    }
}
