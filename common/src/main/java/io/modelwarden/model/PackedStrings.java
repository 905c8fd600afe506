package io.modelwarden.model;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An array of strings (nulls allowed) as one byte array: each string's UTF-8 length (-1 for null),
 * then its bytes. Java serialisation walks a {@code String[]} object by object, which for the tens of
 * thousands of row ids a scan ships (its reference sample, the label-flip detector's neighbours) is
 * enough work to make the JIT compile the serialisation machinery in every JVM; one byte array is
 * copied in bulk.
 */
public final class PackedStrings {
    private PackedStrings() {}

    public static byte[] pack(String[] values) {
        byte[][] utf8 = new byte[values.length][];
        int size = 4;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != null) {
                utf8[i] = values[i].getBytes(StandardCharsets.UTF_8);
                size += utf8[i].length;
            }
            size += 4;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.putInt(values.length);
        for (byte[] s : utf8) {
            out.putInt(s == null ? -1 : s.length);
            if (s != null) {
                out.put(s);
            }
        }
        return out.array();
    }

    public static String[] unpack(byte[] packed) {
        ByteBuffer in = ByteBuffer.wrap(packed);
        String[] values = new String[in.getInt()];
        for (int i = 0; i < values.length; i++) {
            int length = in.getInt();
            if (length >= 0) {
                values[i] = new String(packed, in.position(), length, StandardCharsets.UTF_8);
                in.position(in.position() + length);
            }
        }
        return values;
    }
}
