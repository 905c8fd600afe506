package io.modelwarden.model;

/** STRIDE categories. */
public enum Stride {
    SPOOFING,
    TAMPERING,
    REPUDIATION,
    INFORMATION_DISCLOSURE,
    DENIAL_OF_SERVICE,
    ELEVATION_OF_PRIVILEGE
}
