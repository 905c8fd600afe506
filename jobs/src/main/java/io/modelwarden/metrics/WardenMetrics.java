package io.modelwarden.metrics;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The jobs' own Flink metrics, all under one {@code warden} group so that their names are stable
 * and easy to find: through the Prometheus reporter a counter {@code eventsObserved} of the
 * {@code detect-clients} operator is {@code flink_taskmanager_job_task_operator_warden_eventsObserved}.
 * Labelled counters use Flink's key/value groups, which the Prometheus reporter turns into labels
 * ({@code warden_threat_detector_alerts{threat="MODEL_STEALING",detector="prada"}}: the key groups join the name). The README's Metrics section
 * lists every name; dashboards in {@code conf/grafana} rely on them.
 */
public final class WardenMetrics {
    public static final String GROUP = "warden";

    private WardenMetrics() {}

    /** The {@code warden} group below an operator's metric group. */
    public static MetricGroup group(MetricGroup operator) {
        return operator.addGroup(GROUP);
    }

    /**
     * One counter {@code name} per item, labelled {@code labelKey=item} and {@code detector=id}:
     * registered up front so that a dashboard shows a zero series before the first alert or finding.
     */
    public static Map<String, Counter> labelled(MetricGroup warden, String name, String labelKey, Map<String, String> labelByDetector) {
        Map<String, Counter> counters = new HashMap<>();
        for (Map.Entry<String, String> e : labelByDetector.entrySet()) {
            counters.put(e.getKey(), warden.addGroup(labelKey, e.getValue()).addGroup("detector", e.getKey()).counter(name));
        }
        return counters;
    }
}
