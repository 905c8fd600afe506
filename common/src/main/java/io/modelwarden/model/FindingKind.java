package io.modelwarden.model;

/** What a batch-scan finding says about a row or the dataset. */
public enum FindingKind {
    OUTLIER,
    LABEL_FLIP,
    DUPLICATE,
    BACKDOOR,
    SCHEMA,
    DRIFT
}
