package io.modelwarden.monitor;

import io.modelwarden.detect.serving.BlacklightDetector;
import io.modelwarden.detect.serving.BlacklightState;
import io.modelwarden.detect.serving.BoundaryProbeDetector;
import io.modelwarden.detect.serving.BoundaryProbeState;
import io.modelwarden.detect.serving.CoverageDetector;
import io.modelwarden.detect.serving.CoverageState;
import io.modelwarden.detect.serving.ExplanationAbuseDetector;
import io.modelwarden.detect.serving.ExplanationAbuseState;
import io.modelwarden.detect.serving.InversionDetector;
import io.modelwarden.detect.serving.InversionState;
import io.modelwarden.detect.serving.MembershipProbeDetector;
import io.modelwarden.detect.serving.MembershipProbeState;
import io.modelwarden.detect.serving.PradaDetector;
import io.modelwarden.detect.serving.PradaState;
import io.modelwarden.detect.serving.RateDetector;
import io.modelwarden.detect.serving.RateState;
import io.modelwarden.detect.serving.SimilarityClusterDetector;
import io.modelwarden.detect.serving.SimilarityClusterState;
import io.modelwarden.detect.serving.StatefulKnnDetector;
import io.modelwarden.detect.serving.StatefulKnnState;
import io.modelwarden.detect.serving.SuppressionState;
import java.util.List;

/**
 * Everything {@link ServingDetectorsFunction} keeps for one {@code model_id|client_id}, in one Flink
 * POJO held by one {@code ValueState}: one heap lookup and one write per event instead of two per
 * detector, and one entry per key in checkpoints. A field per detector state (null until the detector
 * first sees the key, and for detectors the key's model does not run), the suppression state of each
 * detector by its {@link #slotOf slot}, and the pending cleanup time. Flink serializes it with its
 * POJO serializer, nested POJOs and primitive arrays only (no Kryo), and adding a field later is a
 * compatible POJO schema change.
 */
public final class ClientState {
    /** Detector ids in slot order; a slot number is also the index into {@link #suppressions}. */
    static final List<String> SLOTS = List.of(PradaDetector.ID, StatefulKnnDetector.ID, BoundaryProbeDetector.ID, SimilarityClusterDetector.ID,
            ExplanationAbuseDetector.ID, RateDetector.ID, BlacklightDetector.ID, CoverageDetector.ID, MembershipProbeDetector.ID,
            InversionDetector.ID);
    public PradaState prada;
    public StatefulKnnState statefulKnn;
    public BoundaryProbeState boundary;
    public SimilarityClusterState similarity;
    public ExplanationAbuseState explanation;
    public RateState rate;
    public BlacklightState blacklight;
    public CoverageState coverage;
    public MembershipProbeState membership;
    public InversionState inversion;
    /** Per slot: the detector's alert suppression, null until it first alerted. */
    public SuppressionState[] suppressions = new SuppressionState[SLOTS.size()];
    /** The event time of the cleanup timer that owns this state, or {@link CleanupTimer#NONE}. */
    public long cleanupAt = CleanupTimer.NONE;
    /**
     * The calibration the detector states were made under: 0 before the model's warm-up finished (or
     * for a model with a baseline), 1 after. A key whose state predates its model's calibration drops the
     * states of the detectors that depend on it ({@link ServingDetectorsFunction}).
     */
    public int calibration;

    public ClientState() {}

    /** The slot of a detector id; throws for an id this class has no field for. */
    public static int slotOf(String detectorId) {
        int i = SLOTS.indexOf(detectorId);
        if (i < 0) {
            throw new IllegalStateException("no client state slot for detector " + detectorId);
        }
        return i;
    }

    /** The state in a slot, or null. */
    Object get(int slot) {
        return switch (slot) {
            case 0 -> prada;
            case 1 -> statefulKnn;
            case 2 -> boundary;
            case 3 -> similarity;
            case 4 -> explanation;
            case 5 -> rate;
            case 6 -> blacklight;
            case 7 -> coverage;
            case 8 -> membership;
            case 9 -> inversion;
            default -> throw new IllegalArgumentException("slot " + slot);
        };
    }

    /** Stores a detector's state in its slot (the object's class must match the slot's field). */
    public void set(int slot, Object state) {
        switch (slot) {
            case 0 -> prada = (PradaState) state;
            case 1 -> statefulKnn = (StatefulKnnState) state;
            case 2 -> boundary = (BoundaryProbeState) state;
            case 3 -> similarity = (SimilarityClusterState) state;
            case 4 -> explanation = (ExplanationAbuseState) state;
            case 5 -> rate = (RateState) state;
            case 6 -> blacklight = (BlacklightState) state;
            case 7 -> coverage = (CoverageState) state;
            case 8 -> membership = (MembershipProbeState) state;
            case 9 -> inversion = (InversionState) state;
            default -> throw new IllegalArgumentException("slot " + slot);
        }
    }
}
