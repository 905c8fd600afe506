package io.modelwarden.model;

/** What an attacker is trying to do; the {@code threat} field of findings and alerts. */
public enum Threat {
    DATA_POISONING(Stride.TAMPERING),
    MODEL_STEALING(Stride.INFORMATION_DISCLOSURE),
    ADVERSARIAL(Stride.TAMPERING),
    MEMBERSHIP_INFERENCE(Stride.INFORMATION_DISCLOSURE),
    MODEL_INVERSION(Stride.INFORMATION_DISCLOSURE),
    DENIAL_OF_SERVICE(Stride.DENIAL_OF_SERVICE),
    EXPLAINABILITY_ABUSE(Stride.INFORMATION_DISCLOSURE);

    private final Stride stride;

    Threat(Stride stride) {
        this.stride = stride;
    }

    /** The STRIDE category of the threat-modeling guide (DETECTORS.md). */
    public Stride stride() {
        return stride;
    }
}
