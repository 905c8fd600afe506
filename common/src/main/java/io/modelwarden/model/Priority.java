package io.modelwarden.model;

/** Priority band of a risk score (1..10) from the likelihood x impact matrix. */
public enum Priority {
    LOW,
    MEDIUM,
    HIGH,
    CRITICAL
}
