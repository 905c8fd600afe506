package io.modelwarden.monitor;

import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.SplitAccountTracker;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.risk.RiskPolicy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The monitor's logic as a pure function from events (with timestamps and watermarks) to alerts; it
 * owns no sources or sinks, so tests pass {@code env.fromData(...)} and collect the result.
 *
 * <ol>
 *   <li>{@code detect-clients}: keyed by {@code model_id|client_id}, every client detector of the
 *       event's model ({@link ServingDetectorsFunction});
 *   <li>{@code ip-guard}: keyed by {@code model_id|source_ip}, the IP rate rule and the split-account
 *       tracker, which raises the risk of the client alerts of a shared IP ({@link IpGuardFunction});
 *       its events are slimmed to ids, time and IP first.
 * </ol>
 *
 * Operator uids are stable: savepoints are matched by them.
 */
public final class MonitorPipeline {
    public static final String DETECT_CLIENTS = "detect-clients";
    public static final String IP_GUARD = "ip-guard";
    public static final String SLIM_FOR_IP_GUARD = "slim-for-ip-guard";

    private final DetectorCatalog catalog;
    private final SplitAccountTracker tracker;
    private final AlertFactory alerts;
    private final AlertSuppression suppression;
    private final RiskPolicy risk;

    public MonitorPipeline(DetectorCatalog catalog, SplitAccountTracker tracker, AlertFactory alerts, AlertSuppression suppression, RiskPolicy risk) {
        this.catalog = catalog;
        this.tracker = tracker;
        this.alerts = alerts;
        this.suppression = suppression;
        this.risk = risk;
    }

    public DataStream<Alert> apply(DataStream<InferenceEvent> events) {
        DataStream<Alert> clientAlerts = events
                .keyBy(new ClientKey())
                .process(new ServingDetectorsFunction(catalog, alerts, suppression))
                .uid(DETECT_CLIENTS)
                .name(DETECT_CLIENTS);
        return events.map(new Slim(), InferenceEventSerializer.TYPE)
                .uid(SLIM_FOR_IP_GUARD)
                .name(SLIM_FOR_IP_GUARD)
                .keyBy(new IpKey())
                .connect(clientAlerts.keyBy(new AlertIpKey()))
                .process(new IpGuardFunction(catalog.ipRate(), tracker, alerts, suppression, risk))
                .uid(IP_GUARD)
                .name(IP_GUARD);
    }

    /** The event as {@link IpGuardFunction} reads it (chained to the source: only this crosses the network). */
    static final class Slim implements MapFunction<InferenceEvent, InferenceEvent> {
        private static final long serialVersionUID = 1L;

        @Override
        public InferenceEvent map(InferenceEvent e) {
            return e.slim();
        }
    }

    static final class ClientKey implements KeySelector<InferenceEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(InferenceEvent e) {
            return e.clientKey();
        }
    }

    static final class IpKey implements KeySelector<InferenceEvent, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(InferenceEvent e) {
            return e.ipKey();
        }
    }

    static final class AlertIpKey implements KeySelector<Alert, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(Alert a) {
            return a.modelId + "|" + a.sourceIp;
        }
    }
}
