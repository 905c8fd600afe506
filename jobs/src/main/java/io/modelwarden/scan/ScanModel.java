package io.modelwarden.scan;

import io.modelwarden.detect.FindingFactory;
import io.modelwarden.detect.poisoning.RowDetector;
import io.modelwarden.detect.poisoning.Standardizer;
import java.io.Serializable;
import java.util.List;

/**
 * Everything the scoring pass ships to its parallel tasks: the fitted row detectors, the
 * standardiser they share and the factory that stamps findings. Built in the client from the
 * profile of the first pass (and the baseline, when given); its size is bounded by the models (the
 * reference sample), not by the dataset.
 */
public final class ScanModel implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Standardizer standardizer;
    private final List<RowDetector> detectors;
    private final FindingFactory findings;

    public ScanModel(Standardizer standardizer, List<RowDetector> detectors, FindingFactory findings) {
        this.standardizer = standardizer;
        this.detectors = List.copyOf(detectors);
        this.findings = findings;
    }

    public Standardizer standardizer() {
        return standardizer;
    }

    public List<RowDetector> detectors() {
        return detectors;
    }

    public FindingFactory findings() {
        return findings;
    }
}
