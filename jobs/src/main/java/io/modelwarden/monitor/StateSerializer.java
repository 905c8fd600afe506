package io.modelwarden.monitor;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of the monitor's keyed state ({@link ClientState} and the detector states it holds),
 * by {@link StateLayout}: the fields Flink's POJO serializer would write, but primitive arrays in bulk.
 * The detector states are mostly arrays (rings of codes, distances, times), which the POJO serializer
 * writes element by element through the checkpoint stream: a heap-state checkpoint spent most of its
 * CPU there, and RocksDB pays it on every state access.
 *
 * <p>Savepoints: the snapshot records the layout (class, field names and kinds, nested), so a later
 * build reads state written by an earlier one, dropping fields it no longer has and leaving new ones at
 * their defaults; state written by Flink's POJO serializer (builds before this serializer) is read by
 * that serializer and rewritten by this one (schema migration).
 */
public final class StateSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    private final StateLayout layout;
    private transient StateLayout.Scratch scratch;
    /** The record's bytes, built here and handed to the target in one write (a call per field to a stream costs more). */
    private transient DataOutputSerializer buffer;
    private transient DataInputDeserializer reader;
    private transient byte[] readBytes;

    private StateSerializer(StateLayout layout) {
        this.layout = layout;
    }

    /** The serializer of {@code type}'s current layout. */
    public static <T> StateSerializer<T> of(Class<T> type) {
        return new StateSerializer<>(StateLayout.of(type));
    }

    private StateLayout.Scratch scratch() {
        if (scratch == null) {
            scratch = new StateLayout.Scratch();
        }
        return scratch;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        return new StateSerializer<>(layout); // its own scratch buffer
    }

    @Override
    @SuppressWarnings("unchecked")
    public T createInstance() {
        return (T) layout.newInstance();
    }

    @Override
    @SuppressWarnings("unchecked")
    public T copy(T from) {
        return from == null ? null : (T) layout.copy(from);
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    /** A length (-1 for null), then the fields ({@link StateLayout#writeFields}). */
    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        if (record == null) {
            target.writeInt(-1);
            return;
        }
        if (buffer == null) {
            buffer = new DataOutputSerializer(64 * 1024);
        }
        buffer.clear();
        layout.writeFields(record, buffer, scratch());
        target.writeInt(buffer.length());
        target.write(buffer.getSharedBuffer(), 0, buffer.length());
        if (buffer.getSharedBuffer().length > 1 << 20) {
            buffer = null; // one unusually large state does not pin a large buffer
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(DataInputView source) throws IOException {
        int n = source.readInt();
        if (n < 0) {
            return null;
        }
        if (readBytes == null || readBytes.length < n) {
            readBytes = new byte[Math.max(n, 64 * 1024)];
            reader = new DataInputDeserializer();
        }
        source.readFully(readBytes, 0, n);
        reader.setBuffer(readBytes, 0, n);
        T value = (T) layout.readFields(reader, scratch());
        if (reader.available() != 0) {
            throw new IOException(reader.available() + " bytes of a " + layout.type.getSimpleName() + " record left unread");
        }
        if (readBytes.length > 1 << 20) {
            readBytes = null;
        }
        return value;
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateSerializer<?> s && layout.sameShape(s.layout);
    }

    @Override
    public int hashCode() {
        return layout.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new Snapshot<>(layout);
    }

    /** The layout, written into checkpoints and savepoints beside the state. */
    public static final class Snapshot<T> implements TypeSerializerSnapshot<T> {
        private static final int VERSION = 1;
        private StateLayout layout;

        /** For Flink, which reads the snapshot into an instance made with this constructor. */
        public Snapshot() {}

        Snapshot(StateLayout layout) {
            this.layout = layout;
        }

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            layout.write(out);
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader) throws IOException {
            if (readVersion != VERSION) {
                throw new IOException("state serializer snapshot version " + readVersion + " (this build reads " + VERSION + ")");
            }
            layout = StateLayout.read(in, userCodeClassLoader);
        }

        @Override
        public TypeSerializer<T> restoreSerializer() {
            return new StateSerializer<>(layout);
        }

        /**
         * Called on the current serializer's snapshot with the one the state was written under: the same
         * layout reads as is; an earlier layout of this serializer, or Flink's POJO serializer of the same
         * class, is read by its own serializer and rewritten (migration).
         */
        @Override
        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
            if (old instanceof Snapshot<T> s) {
                if (s.layout.type != layout.type) {
                    return TypeSerializerSchemaCompatibility.incompatible();
                }
                return s.layout.sameShape(layout) ? TypeSerializerSchemaCompatibility.compatibleAsIs()
                        : TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            if (old instanceof PojoSerializerSnapshot<T> pojo && pojo.restoreSerializer().createInstance().getClass() == layout.type) {
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
