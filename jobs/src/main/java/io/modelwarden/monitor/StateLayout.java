package io.modelwarden.monitor;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The fields of a keyed-state class as {@link StateSerializer} writes them: the public, non-static,
 * non-transient fields (Flink's POJO rules) in name order, each a primitive, a String, an array of
 * those, another such class or an array of one. Primitive arrays are written in bulk (a length, then
 * their bytes little-endian through a scratch buffer: one copy instead of a call per element, which is
 * what Flink's POJO serializer makes per array element), strings as UTF-8.
 *
 * <p>A layout is either the current one of a class ({@link #of}) or one read from a savepoint's
 * serializer snapshot ({@link #read}) and bound to the current classes by field name: a field the class
 * no longer has is read and dropped, a field it gained keeps the value its constructor gives (the POJO
 * serializer's schema evolution, for the same kinds of change).
 */
final class StateLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A field's kind. Savepoints hold the ordinals (the layout in the serializer snapshot): append only. */
    enum Kind {
        BOOLEAN, BYTE, SHORT, INT, LONG, FLOAT, DOUBLE, STRING,
        BOOLEANS, BYTES, SHORTS, INTS, LONGS, FLOATS, DOUBLES, STRINGS,
        OBJECT, OBJECTS
    }

    /** One field: its name, kind, the layout of its class (objects and object arrays) and its binding. */
    static final class Slot implements Serializable {
        private static final long serialVersionUID = 1L;
        final String name;
        final Kind kind;
        final StateLayout nested;
        /** The current class's field of this name and kind, or null (the value is read and dropped). */
        transient Field field;

        Slot(String name, Kind kind, StateLayout nested) {
            this.name = name;
            this.kind = kind;
            this.nested = nested;
        }
    }

    final Class<?> type;
    final List<Slot> slots;

    private StateLayout(Class<?> type, List<Slot> slots) {
        this.type = type;
        this.slots = slots;
        bind();
    }

    /** The current layout of {@code type}; throws for a field of a kind this layout cannot hold. */
    static StateLayout of(Class<?> type) {
        List<Field> fields = new ArrayList<>();
        for (Field f : type.getFields()) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) && !Modifier.isTransient(m)) {
                fields.add(f);
            }
        }
        fields.sort(Comparator.comparing(Field::getName));
        List<Slot> slots = new ArrayList<>();
        for (Field f : fields) {
            Kind kind = kindOf(f.getType());
            if (kind == null) {
                throw new IllegalArgumentException("state field " + type.getSimpleName() + "." + f.getName() + " of type "
                        + f.getType().getSimpleName() + ": only primitives, strings, state classes and arrays of them");
            }
            StateLayout nested = switch (kind) {
                case OBJECT -> of(f.getType());
                case OBJECTS -> of(f.getType().getComponentType());
                default -> null;
            };
            slots.add(new Slot(f.getName(), kind, nested));
        }
        return new StateLayout(type, List.copyOf(slots));
    }

    /** The kinds of primitives, strings and arrays of them, by field type. */
    private static final Map<Class<?>, Kind> KINDS = Map.ofEntries(Map.entry(boolean.class, Kind.BOOLEAN), Map.entry(byte.class, Kind.BYTE),
            Map.entry(short.class, Kind.SHORT), Map.entry(int.class, Kind.INT), Map.entry(long.class, Kind.LONG),
            Map.entry(float.class, Kind.FLOAT), Map.entry(double.class, Kind.DOUBLE), Map.entry(String.class, Kind.STRING),
            Map.entry(boolean[].class, Kind.BOOLEANS), Map.entry(byte[].class, Kind.BYTES), Map.entry(short[].class, Kind.SHORTS),
            Map.entry(int[].class, Kind.INTS), Map.entry(long[].class, Kind.LONGS), Map.entry(float[].class, Kind.FLOATS),
            Map.entry(double[].class, Kind.DOUBLES), Map.entry(String[].class, Kind.STRINGS));

    private static Kind kindOf(Class<?> c) {
        Kind k = KINDS.get(c);
        if (k != null) {
            return k;
        } else if (c.isArray() && isStateClass(c.getComponentType())) {
            return Kind.OBJECTS;
        } else if (isStateClass(c)) {
            return Kind.OBJECT;
        }
        return null;
    }

    private static boolean isStateClass(Class<?> c) {
        if (c.isPrimitive() || c.isArray() || c.isInterface() || Modifier.isAbstract(c.getModifiers()) || c.getName().startsWith("java.")) {
            return false;
        }
        try {
            c.getConstructor();
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** Binds each slot to the current class's field of the same name and kind (or to none). */
    private void bind() {
        for (Slot s : slots) {
            s.field = null;
            try {
                Field f = type.getField(s.name);
                int m = f.getModifiers();
                if (!Modifier.isStatic(m) && !Modifier.isTransient(m) && kindOf(f.getType()) == s.kind
                        && (s.nested == null || componentOrSelf(f.getType()) == s.nested.type)) {
                    s.field = f;
                }
            } catch (NoSuchFieldException e) {
                // dropped on read
            }
        }
    }

    private static Class<?> componentOrSelf(Class<?> c) {
        return c.isArray() ? c.getComponentType() : c;
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        bind(); // java.lang.reflect.Field is not serializable
    }

    /** Same classes, field names and kinds, in the same order. */
    boolean sameShape(StateLayout o) {
        if (type != o.type || slots.size() != o.slots.size()) {
            return false;
        }
        for (int i = 0; i < slots.size(); i++) {
            Slot a = slots.get(i);
            Slot b = o.slots.get(i);
            if (!a.name.equals(b.name) || a.kind != b.kind || (a.nested == null) != (b.nested == null)
                    || (a.nested != null && !a.nested.sameShape(b.nested))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateLayout l && sameShape(l);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, slots.size());
    }

    // ---- the schema, in serializer snapshots ----

    void write(DataOutputView out) throws IOException {
        out.writeUTF(type.getName());
        out.writeInt(slots.size());
        for (Slot s : slots) {
            out.writeUTF(s.name);
            out.writeByte(s.kind.ordinal());
            if (s.nested != null) {
                s.nested.write(out);
            }
        }
    }

    static StateLayout read(DataInputView in, ClassLoader loader) throws IOException {
        String name = in.readUTF();
        Class<?> type;
        try {
            type = Class.forName(name, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IOException("state class " + name + " of the savepoint is not on the classpath", e);
        }
        int n = in.readInt();
        List<Slot> slots = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String field = in.readUTF();
            Kind kind = Kind.values()[in.readByte()];
            StateLayout nested = kind == Kind.OBJECT || kind == Kind.OBJECTS ? read(in, loader) : null;
            slots.add(new Slot(field, kind, nested));
        }
        return new StateLayout(type, List.copyOf(slots));
    }

    // ---- values ----

    Object newInstance() {
        try {
            return type.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + type.getName(), e);
        }
    }

    /** Writes a non-null object's fields. */
    void writeFields(Object o, DataOutputView out, Scratch scratch) throws IOException {
        try {
            for (Slot s : slots) {
                Field f = s.field;
                if (f == null) {
                    throw new IllegalStateException("a restored layout writes no state: " + type.getSimpleName() + " has no field " + s.name);
                }
                switch (s.kind) {
                    case BOOLEAN -> out.writeBoolean(f.getBoolean(o));
                    case BYTE -> out.writeByte(f.getByte(o));
                    case SHORT -> out.writeShort(f.getShort(o));
                    case INT -> out.writeInt(f.getInt(o));
                    case LONG -> out.writeLong(f.getLong(o));
                    case FLOAT -> out.writeFloat(f.getFloat(o));
                    case DOUBLE -> out.writeDouble(f.getDouble(o));
                    case STRING -> writeString((String) f.get(o), out);
                    case STRINGS -> {
                        String[] a = (String[]) f.get(o);
                        out.writeInt(a == null ? -1 : a.length);
                        if (a != null) {
                            for (String v : a) {
                                writeString(v, out);
                            }
                        }
                    }
                    case OBJECT -> {
                        Object v = f.get(o);
                        out.writeBoolean(v != null);
                        if (v != null) {
                            s.nested.writeFields(v, out, scratch);
                        }
                    }
                    case OBJECTS -> {
                        Object[] a = (Object[]) f.get(o);
                        out.writeInt(a == null ? -1 : a.length);
                        if (a != null) {
                            for (Object v : a) {
                                out.writeBoolean(v != null);
                                if (v != null) {
                                    s.nested.writeFields(v, out, scratch);
                                }
                            }
                        }
                    }
                    default -> scratch.writeArray(s.kind, f.get(o), out);
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads fields written by this layout into a new object (dropping those without a binding). */
    Object readFields(DataInputView in, Scratch scratch) throws IOException {
        Object o = newInstance();
        try {
            for (Slot s : slots) {
                Field f = s.field;
                Object value;
                switch (s.kind) {
                    case BOOLEAN -> value = in.readBoolean();
                    case BYTE -> value = in.readByte();
                    case SHORT -> value = in.readShort();
                    case INT -> value = in.readInt();
                    case LONG -> value = in.readLong();
                    case FLOAT -> value = in.readFloat();
                    case DOUBLE -> value = in.readDouble();
                    case STRING -> value = readString(in);
                    case STRINGS -> {
                        int n = in.readInt();
                        String[] a = n < 0 ? null : new String[n];
                        for (int i = 0; i < n; i++) {
                            a[i] = readString(in);
                        }
                        value = a;
                    }
                    case OBJECT -> value = in.readBoolean() ? s.nested.readFields(in, scratch) : null;
                    case OBJECTS -> {
                        int n = in.readInt();
                        Object[] a = n < 0 ? null : (Object[]) Array.newInstance(s.nested.type, n);
                        for (int i = 0; i < n; i++) {
                            a[i] = in.readBoolean() ? s.nested.readFields(in, scratch) : null;
                        }
                        value = a;
                    }
                    default -> value = scratch.readArray(s.kind, in);
                }
                if (f != null) {
                    f.set(o, value);
                }
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return o;
    }

    /** A deep copy: arrays cloned (strings are immutable), nested objects copied. */
    Object copy(Object from) {
        Object o = newInstance();
        try {
            for (Slot s : slots) {
                Field f = s.field;
                if (f == null) {
                    continue; // a restored layout's dropped field
                }
                Object v = f.get(from);
                switch (s.kind) {
                    case BOOLEAN, BYTE, SHORT, INT, LONG, FLOAT, DOUBLE, STRING -> { }
                    case OBJECT -> v = v == null ? null : s.nested.copy(v);
                    case OBJECTS -> {
                        if (v != null) {
                            Object[] a = ((Object[]) v).clone();
                            for (int i = 0; i < a.length; i++) {
                                a[i] = a[i] == null ? null : s.nested.copy(a[i]);
                            }
                            v = a;
                        }
                    }
                    case BOOLEANS -> v = v == null ? null : ((boolean[]) v).clone();
                    case BYTES -> v = v == null ? null : ((byte[]) v).clone();
                    case SHORTS -> v = v == null ? null : ((short[]) v).clone();
                    case INTS -> v = v == null ? null : ((int[]) v).clone();
                    case LONGS -> v = v == null ? null : ((long[]) v).clone();
                    case FLOATS -> v = v == null ? null : ((float[]) v).clone();
                    case DOUBLES -> v = v == null ? null : ((double[]) v).clone();
                    case STRINGS -> v = v == null ? null : ((String[]) v).clone();
                }
                f.set(o, v);
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        return o;
    }

    private static void writeString(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * A serializer's scratch buffer for the bulk array copies (one per serializer instance: Flink
     * duplicates serializers per thread).
     */
    static final class Scratch {
        private static final int SIZE = 1 << 16;
        private final byte[] bytes = new byte[SIZE];
        private final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);

        void writeArray(Kind kind, Object a, DataOutputView out) throws IOException {
            if (a == null) {
                out.writeInt(-1);
                return;
            }
            int n = Array.getLength(a);
            out.writeInt(n);
            if (kind == Kind.BYTES) {
                out.write((byte[]) a);
                return;
            }
            int width = width(kind);
            int per = SIZE / width;
            for (int from = 0; from < n; from += per) {
                int len = Math.min(per, n - from);
                buffer.clear();
                switch (kind) {
                    case BOOLEANS -> {
                        boolean[] v = (boolean[]) a;
                        for (int i = 0; i < len; i++) {
                            bytes[i] = (byte) (v[from + i] ? 1 : 0);
                        }
                    }
                    case SHORTS -> buffer.asShortBuffer().put((short[]) a, from, len);
                    case INTS -> buffer.asIntBuffer().put((int[]) a, from, len);
                    case LONGS -> buffer.asLongBuffer().put((long[]) a, from, len);
                    case FLOATS -> buffer.asFloatBuffer().put((float[]) a, from, len);
                    case DOUBLES -> buffer.asDoubleBuffer().put((double[]) a, from, len);
                    default -> throw new IllegalArgumentException(kind.name());
                }
                out.write(bytes, 0, len * width);
            }
        }

        Object readArray(Kind kind, DataInputView in) throws IOException {
            int n = in.readInt();
            if (n < 0) {
                return null;
            }
            if (kind == Kind.BYTES) {
                byte[] a = new byte[n];
                in.readFully(a);
                return a;
            }
            Object a = switch (kind) {
                case BOOLEANS -> new boolean[n];
                case SHORTS -> new short[n];
                case INTS -> new int[n];
                case LONGS -> new long[n];
                case FLOATS -> new float[n];
                case DOUBLES -> new double[n];
                default -> throw new IllegalArgumentException(kind.name());
            };
            int width = width(kind);
            int per = SIZE / width;
            for (int from = 0; from < n; from += per) {
                int len = Math.min(per, n - from);
                in.readFully(bytes, 0, len * width);
                buffer.clear();
                switch (kind) {
                    case BOOLEANS -> {
                        boolean[] v = (boolean[]) a;
                        for (int i = 0; i < len; i++) {
                            v[from + i] = bytes[i] != 0;
                        }
                    }
                    case SHORTS -> buffer.asShortBuffer().get((short[]) a, from, len);
                    case INTS -> buffer.asIntBuffer().get((int[]) a, from, len);
                    case LONGS -> buffer.asLongBuffer().get((long[]) a, from, len);
                    case FLOATS -> buffer.asFloatBuffer().get((float[]) a, from, len);
                    case DOUBLES -> buffer.asDoubleBuffer().get((double[]) a, from, len);
                    default -> throw new IllegalArgumentException(kind.name());
                }
            }
            return a;
        }

        private static int width(Kind kind) {
            return switch (kind) {
                case BOOLEANS, BYTES -> 1;
                case SHORTS -> 2;
                case INTS, FLOATS -> 4;
                case LONGS, DOUBLES -> 8;
                default -> throw new IllegalArgumentException(kind.name());
            };
        }
    }

    @Override
    public String toString() {
        return type.getSimpleName() + Arrays.toString(slots.stream().map(s -> s.name + ":" + s.kind).toArray());
    }
}
