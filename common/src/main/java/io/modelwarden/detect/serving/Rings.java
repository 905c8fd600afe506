package io.modelwarden.detect.serving;

import java.util.Arrays;

/**
 * Lazily grown ring buffers of detector state. A ring of at most {@code cap} slots (each {@code width}
 * array elements wide) is written at slot {@code count % cap}, so while it fills, slot i is written only
 * after slots 0..i-1: the array can start empty and grow ({@value #INITIAL} slots, then fourfold, up to
 * cap) when a write reaches its end. A key's state is then proportional to what it has seen (most
 * clients send a few hundred events, while rings hold up to 500), which is what checkpoints write and
 * what the heap backend copies when a snapshot is running; slots are read only below the number
 * written, so the detectors' results are those of a ring allocated at full size. Cost: the copies of
 * the growth steps, once per key. Fourfold rather than doubling: each step leaves garbage and a young
 * array under an old state object: doubling from 8 slots made the young collections' pauses add up to
 * about three times as much in a JFR-profiled monitor run (1,000,000 events of 10,000 clients).
 */
final class Rings {
    /** Slots allocated at a ring's first write. */
    static final int INITIAL = 32;
    /** Growth factor of a step. */
    static final int GROWTH = 4;

    private Rings() {}

    /** Slots to allocate so that {@code slot} fits, for a ring holding {@code held} slots of at most {@code cap}. */
    static int slots(int held, int slot, int cap) {
        if (slot < held) {
            return held;
        }
        int n = Math.max(INITIAL, held);
        while (n <= slot) {
            n *= GROWTH;
        }
        return Math.min(n, cap);
    }

    /** {@code a} if slot {@code slot} (of {@code width} elements) fits in it, else a copy grown so that it does. */
    static byte[] fit(byte[] a, int slot, int cap, int width) {
        int held = a.length / width;
        return slot < held ? a : Arrays.copyOf(a, slots(held, slot, cap) * width);
    }

    static float[] fit(float[] a, int slot, int cap, int width) {
        int held = a.length / width;
        return slot < held ? a : Arrays.copyOf(a, slots(held, slot, cap) * width);
    }

    static int[] fit(int[] a, int slot, int cap) {
        return slot < a.length ? a : Arrays.copyOf(a, slots(a.length, slot, cap));
    }

    static long[] fit(long[] a, int slot, int cap) {
        return slot < a.length ? a : Arrays.copyOf(a, slots(a.length, slot, cap));
    }

    static short[] fit(short[] a, int slot, int cap) {
        return slot < a.length ? a : Arrays.copyOf(a, slots(a.length, slot, cap));
    }

    static boolean[] fit(boolean[] a, int slot, int cap) {
        return slot < a.length ? a : Arrays.copyOf(a, slots(a.length, slot, cap));
    }

    static String[] fit(String[] a, int slot, int cap) {
        return slot < a.length ? a : Arrays.copyOf(a, slots(a.length, slot, cap));
    }

    /**
     * {@code blocks} rings laid out one after the other, each {@code stride} elements, copied into a new
     * array with {@code newStride} elements each (the first min(stride, newStride) of each ring kept).
     */
    static byte[] restride(byte[] a, int blocks, int stride, int newStride) {
        byte[] out = new byte[blocks * newStride];
        copyBlocks(a, out, blocks, stride, newStride);
        return out;
    }

    static float[] restride(float[] a, int blocks, int stride, int newStride) {
        float[] out = new float[blocks * newStride];
        copyBlocks(a, out, blocks, stride, newStride);
        return out;
    }

    static int[] restride(int[] a, int blocks, int stride, int newStride) {
        int[] out = new int[blocks * newStride];
        copyBlocks(a, out, blocks, stride, newStride);
        return out;
    }

    /**
     * {@code blocks} rings laid out one after the other, each row-major ([slots][width], the layout of
     * builds before session 5), copied column-major ([width][slots] per block: element j of slot i at
     * {@code block * slots * width + j * slots + i}), slots = length / (blocks x width).
     */
    static byte[] columnMajor(byte[] rows, int blocks, int width) {
        byte[] columns = new byte[rows.length];
        transposeBlocks(rows, columns, rows.length, blocks, width);
        return columns;
    }

    static float[] columnMajor(float[] rows, int blocks, int width) {
        float[] columns = new float[rows.length];
        transposeBlocks(rows, columns, rows.length, blocks, width);
        return columns;
    }

    /** Element by element (arraycopy of one element works for any primitive array): once per restored key. */
    private static void transposeBlocks(Object rows, Object columns, int length, int blocks, int width) {
        int slots = blocks == 0 ? 0 : length / (blocks * width);
        for (int b = 0, base = 0; b < blocks; b++, base += slots * width) {
            for (int i = 0; i < slots; i++) {
                for (int j = 0; j < width; j++) {
                    System.arraycopy(rows, base + i * width + j, columns, base + j * slots + i, 1);
                }
            }
        }
    }

    private static void copyBlocks(Object from, Object to, int blocks, int stride, int newStride) {
        for (int b = 0; b < blocks; b++) {
            System.arraycopy(from, b * stride, to, b * newStride, Math.min(stride, newStride));
        }
    }
}
