package io.modelwarden.detect.serving;

/**
 * Per-client state of {@link PradaDetector}: a Flink POJO of flat primitive arrays, one slot per
 * predicted class (slots are added as classes appear, at most {@code max-classes}).
 */
public final class PradaState {
    /** Predicted label of each slot. */
    public String[] classLabels = new String[0];
    /** Feature dimensions, 0 before the first event. */
    public int dims;
    /**
     * Growing sets: [slot][dims][growing-set-cap], a FIFO ring per slot stored column-major (feature j of
     * the vector at ring position i of slot c at {@code (c * dims + j) * stride + i}), as int8 codes
     * round(z / quantum) (z-space, with a baseline; see {@link ServingVectors#Z_QUANTUM}). Column-major
     * so that the distances to a slot's vectors run as vector loops ({@link ColumnDistances}).
     */
    public byte[] growingColumns = new byte[0];
    /**
     * The same rings row-major ([slot][growing-set-cap][dims]), as builds before the column-major layout
     * kept them: empty in state this build writes; state restored from an earlier savepoint is moved to
     * {@link #growingColumns} at its next event.
     */
    public byte[] growing = new byte[0];
    /** The same layout as floats of raw features, used only without a baseline. */
    public float[] growingRaw = new float[0];
    /** Vectors ever added to each slot's growing set (ring position = count % cap). */
    public int[] growingAdded = new int[0];
    /** T_c per slot. */
    public double[] thresholds = new double[0];
    /** Running count, sum and sum of squares of D_c (the distances of the vectors added to G_c). */
    public long[] addedN = new long[0];
    public double[] addedSum = new double[0];
    public double[] addedSumSq = new double[0];
    /** Minimum distances: [slot][distance-window], ring per slot, and their event times. */
    public float[] distances = new float[0];
    /** Event time of each distance, in milliseconds after {@code timeBase}. */
    public int[] distanceTimes = new int[0];
    public long timeBase;
    public int[] distanceCount = new int[0];
    /** Queries counted (exact repeats and unusable events excluded). */
    public long queries;
    public long alarms;
    public double lastW = Double.NaN;
    /** Exact-repeat ring of recent feature hashes. */
    public long[] recent = new long[0];
    public int recentNext;

    /**
     * Not state (never checkpointed; a restored or copied state starts without it): the pooled
     * distances sorted as the last W check left them, and the distances that joined and left the pool
     * since ({@link PradaDetector}). Null or {@code poolValid} false: the next check sorts the pool
     * afresh.
     */
    public transient float[] sortedPool;
    public transient int sortedSize;
    public transient float[] poolJoined;
    public transient float[] poolLeft;
    public transient int joinedSize;
    public transient int leftSize;
    public transient boolean poolValid;

    public PradaState() {}

    public int classes() {
        return classLabels.length;
    }
}
