package io.modelwarden.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.TrafficScenarios;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class InferenceEventSerializerTest {
    static final TypeSerializer<InferenceEvent> POJO = TypeInformation.of(InferenceEvent.class).createSerializer(new SerializerConfigImpl());

    static InferenceEvent roundTrip(InferenceEvent e) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        InferenceEventSerializer.INSTANCE.serialize(e, out);
        out.writeInt(0x5EA1ED); // what follows an event is read from where it ended
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        InferenceEvent back = InferenceEventSerializer.INSTANCE.deserialize(in);
        assertThat(in.readInt()).isEqualTo(0x5EA1ED);
        return back;
    }

    /** Equal as Flink's POJO serializer sees them: every serialized field. */
    static byte[] pojoBytes(InferenceEvent e) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        POJO.serialize(e, out);
        return out.getCopyOfBuffer();
    }

    @Test
    void everyFieldSurvivesARoundTripAndACopy() throws Exception {
        InferenceEvent full = TrafficScenarios.standard().benign("client-7", 3, 1.0, 5).get(2);
        full.explanationRequested = true;
        InferenceEvent bare = new InferenceEvent(); // nulls, NaN confidence, no flags
        bare.timestampMillis = -42;
        InferenceEvent noPrediction = TrafficScenarios.standard().benign("client-8", 1, 1.0, 6).get(0);
        noPrediction.predictedLabel = null;
        noPrediction.probabilities = null;
        noPrediction.sourceIp = null;
        noPrediction.features = new double[0];
        for (InferenceEvent e : new InferenceEvent[] {full, bare, noPrediction}) {
            assertThat(pojoBytes(roundTrip(e))).isEqualTo(pojoBytes(e));
            InferenceEvent c = InferenceEventSerializer.INSTANCE.copy(e);
            assertThat(pojoBytes(c)).isEqualTo(pojoBytes(e));
            if (e.features != null) {
                assertThat(c.features).isNotSameAs(e.features);
            }
        }
        assertThat(InferenceEventSerializer.TYPE.createSerializer(new SerializerConfigImpl())).isSameAs(InferenceEventSerializer.INSTANCE);
        assertThat(InferenceEventSerializer.INSTANCE.snapshotConfiguration().restoreSerializer()).isSameAs(InferenceEventSerializer.INSTANCE);
    }
}
