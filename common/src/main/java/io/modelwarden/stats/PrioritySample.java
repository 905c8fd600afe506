package io.modelwarden.stats;

import io.modelwarden.model.PackedStrings;
import io.modelwarden.model.TrainingRow;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * A uniform random sample of at most {@code capacity} rows, chosen by a seeded hash of each row's
 * id (bottom-k priority sampling; see {@link #priorityOf}). The sample depends only on the seed and the rows, not on
 * how the rows were partitioned or ordered, so per-partition samples merge into the sample one pass
 * would have drawn. Memory: {@code capacity} rows.
 */
public final class PrioritySample implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A sampled row with its priority (smaller is kept). */
    public record Entry(long priority, TrainingRow row) implements Serializable {}

    /** Largest priority first, so the heap's head is the entry to evict. Serializable: the heap is shipped. */
    private static final class LargestFirst implements Comparator<Entry>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Entry a, Entry b) {
            int c = Long.compare(b.priority, a.priority);
            return c != 0 ? c : Long.compare(b.row.rowIndex, a.row.rowIndex);
        }
    }

    private static final Comparator<Entry> LARGEST_FIRST = new LargestFirst();

    private final int capacity;
    private final long seed;
    /** Serialised column by column ({@link #writeObject}): a sample of 20,000 rows is shipped from every task. */
    private transient PriorityQueue<Entry> heap;
    /** {@link #rows()} until the sample changes: the client asks for it once per feature and detector. */
    private transient List<TrainingRow> sorted;

    public PrioritySample(int capacity, long seed) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, was " + capacity);
        }
        this.capacity = capacity;
        this.seed = seed;
        this.heap = emptyHeap(capacity);
    }

    private static PriorityQueue<Entry> emptyHeap(int capacity) {
        return new PriorityQueue<>(Math.min(capacity, 1024) + 1, LARGEST_FIRST);
    }

    /**
     * The row's priority: a 64-bit mix of the seed and the row id. The id is the id column's value when
     * the dataset has one, so the sample (and the models fitted on it, in its order) does not change when
     * the same rows come in other files or another format; without one it is the row's position in its
     * file. A row without an id uses (file, position).
     */
    public long priorityOf(TrainingRow row) {
        long identity = row.rowId != null ? Hashing.hash64(row.rowId) : Hashing.mix64(((long) row.fileIndex << 40) ^ row.rowIndex);
        return Hashing.mix64(seed ^ identity);
    }

    /** Offers a row; a kept row is copied, so callers may reuse their row objects. */
    public void add(TrainingRow row) {
        long priority = priorityOf(row);
        if (heap.size() >= capacity && priority > heap.peek().priority) {
            return; // the common case once the sample is full: no allocation
        }
        TrainingRow copy = new TrainingRow(row.rowId, row.rowIndex, row.fileIndex, row.features.clone(), row.label,
                row.categories == null ? null : row.categories.clone());
        offer(new Entry(priority, copy));
    }

    private void offer(Entry e) {
        if (heap.size() < capacity) {
            heap.add(e);
            sorted = null;
        } else if (LARGEST_FIRST.compare(e, heap.peek()) > 0) {
            heap.poll();
            heap.add(e);
            sorted = null;
        }
    }

    public void merge(PrioritySample other) {
        for (Entry e : other.heap) {
            offer(e);
        }
    }

    public int size() {
        return heap.size();
    }

    public int capacity() {
        return capacity;
    }

    /**
     * The entries as a few arrays (priorities, positions, all features in one, ids and labels packed)
     * instead of an object graph of five objects per row, which Java serialisation walks slowly and
     * which makes the JIT compile its machinery in every JVM that ships a sample.
     */
    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        int n = heap.size();
        long[] priorities = new long[n];
        long[] rowIndexes = new long[n];
        int[] fileIndexes = new int[n];
        int[] widths = new int[n];
        String[] ids = new String[n];
        String[] labels = new String[n];
        int cells = 0;
        int i = 0;
        for (Entry e : heap) {
            priorities[i] = e.priority;
            rowIndexes[i] = e.row.rowIndex;
            fileIndexes[i] = e.row.fileIndex;
            widths[i] = e.row.features.length;
            ids[i] = e.row.rowId;
            labels[i] = e.row.label;
            cells += widths[i];
            i++;
        }
        double[] features = new double[cells];
        int at = 0;
        for (Entry e : heap) {
            System.arraycopy(e.row.features, 0, features, at, e.row.features.length);
            at += e.row.features.length;
        }
        out.writeObject(priorities);
        out.writeObject(rowIndexes);
        out.writeObject(fileIndexes);
        out.writeObject(widths);
        out.writeObject(features);
        out.writeObject(PackedStrings.pack(ids));
        out.writeObject(PackedStrings.pack(labels));
        // Category values: every row has as many (the dataset's category columns), or none.
        int width = n == 0 || heap.peek().row.categories == null ? 0 : heap.peek().row.categories.length;
        String[] categories = new String[n * width];
        i = 0;
        for (Entry e : heap) {
            if (width > 0) {
                System.arraycopy(e.row.categories, 0, categories, i * width, width);
            }
            i++;
        }
        out.writeInt(width);
        out.writeObject(PackedStrings.pack(categories));
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        long[] priorities = (long[]) in.readObject();
        long[] rowIndexes = (long[]) in.readObject();
        int[] fileIndexes = (int[]) in.readObject();
        int[] widths = (int[]) in.readObject();
        double[] features = (double[]) in.readObject();
        String[] ids = PackedStrings.unpack((byte[]) in.readObject());
        String[] labels = PackedStrings.unpack((byte[]) in.readObject());
        int width = in.readInt();
        String[] categories = PackedStrings.unpack((byte[]) in.readObject());
        Map<String, String> labelInstances = new HashMap<>(); // one String per label, as parsing gives
        heap = emptyHeap(capacity);
        int at = 0;
        for (int i = 0; i < priorities.length; i++) {
            double[] x = Arrays.copyOfRange(features, at, at + widths[i]);
            at += widths[i];
            String label = labels[i] == null ? null : labelInstances.computeIfAbsent(labels[i], l -> l);
            String[] values = width == 0 ? null : Arrays.copyOfRange(categories, i * width, (i + 1) * width);
            heap.add(new Entry(priorities[i], new TrainingRow(ids[i], rowIndexes[i], fileIndexes[i], x, label, values)));
        }
    }

    /** The sampled rows in a deterministic order (by priority). */
    public List<TrainingRow> rows() {
        if (sorted == null) {
            List<Entry> entries = new ArrayList<>(heap);
            entries.sort(Comparator.comparingLong(Entry::priority).thenComparingLong(e -> e.row.rowIndex));
            List<TrainingRow> out = new ArrayList<>(entries.size());
            for (Entry e : entries) {
                out.add(e.row);
            }
            sorted = out;
        }
        return new ArrayList<>(sorted); // the caller's own list, as before
    }
}
