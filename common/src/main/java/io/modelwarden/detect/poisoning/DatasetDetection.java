package io.modelwarden.detect.poisoning;

import io.modelwarden.detect.Detection;
import io.modelwarden.model.FindingKind;
import io.modelwarden.model.Threat;

/**
 * A dataset-level verdict ready for {@code FindingFactory.dataset(detector, threat, kind, subject,
 * detection)}; {@code subject} (a feature name, {@code __label__}, {@code __dataset__}, or a schema
 * constraint) keeps finding ids unique within a detector.
 */
public record DatasetDetection(String detector, Threat threat, FindingKind kind, String subject, Detection detection) {}
