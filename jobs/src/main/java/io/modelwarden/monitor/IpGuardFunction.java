package io.modelwarden.monitor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.ServingDetection;
import io.modelwarden.detect.serving.RateDetector;
import io.modelwarden.detect.serving.SplitAccountTracker;
import io.modelwarden.json.Json;
import io.modelwarden.metrics.WardenMetrics;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import io.modelwarden.risk.RiskPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Per {@code model_id|source_ip}: the rate rule over everything the IP sends (the guide's 100
 * queries per minute per IP as the limit, twice that alerts), and the split-account tracker: the
 * client alerts of that IP pass through here and, when many client ids share the IP, the alerts of
 * the extraction and adversarial detectors get a higher risk score (evidence {@code split_accounts}).
 * One timer per key clears its state after the tracker's idle timeout.
 *
 * <p>Events and client alerts reach this operator by two paths (the alerts through the client
 * detectors), so an alert can overtake the IP's events. An alert later than every event of its IP seen
 * so far is held until an event at or after its time arrives, or the watermark passes its time, and
 * only then judged: the count of clients behind the IP then covers every event up to the alert, not
 * whatever the network had delivered. An alert that comes after its IP's events, the usual case, passes
 * at once. The events arrive without
 * their features and prediction ({@link InferenceEvent#slim}): nothing here reads them, and they would be most of
 * what crosses the network to this operator.
 */
public final class IpGuardFunction extends KeyedCoProcessFunction<String, InferenceEvent, Alert, Alert> {
    private static final long serialVersionUID = 1L;
    /** The IP rule's own id, distinct from the per-client rate alerts. */
    public static final String IP_RATE_ID = "rate_limit_ip";

    private final RateDetector rate;
    private final SplitAccountTracker tracker;
    private final AlertFactory alerts;
    private final AlertSuppression suppression;
    private final RiskPolicy risk;

    private transient ValueState<IpGuardState> state;
    private transient ListState<Alert> held;
    private transient long idleMillis;
    private transient Counter raised;
    private transient Counter keysExpired;
    private transient Counter ipRateAlerts;
    private transient MonitorStart monitorStart;

    public IpGuardFunction(RateDetector rate, SplitAccountTracker tracker, AlertFactory alerts, AlertSuppression suppression, RiskPolicy risk) {
        this.rate = rate;
        this.tracker = tracker;
        this.alerts = alerts;
        this.suppression = suppression;
        this.risk = risk;
    }

    @Override
    public void open(OpenContext context) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("ip-guard.state", TypeInformation.of(IpGuardState.class)));
        held = getRuntimeContext().getListState(new ListStateDescriptor<>("ip-guard.held-alerts", TypeInformation.of(Alert.class)));
        idleMillis = Math.max(tracker.idleTimeout().toMillis(), rate.idleTimeout().toMillis());
        var group = WardenMetrics.group(getRuntimeContext().getMetricGroup());
        raised = group.counter("alertsRaisedBySplitAccounts");
        keysExpired = group.counter("keysExpired");
        ipRateAlerts = WardenMetrics.labelled(group, "alerts", "threat", Map.of(IP_RATE_ID, rate.threat().name())).get(IP_RATE_ID);
        monitorStart = new MonitorStart();
    }

    @Override
    public void processElement1(InferenceEvent e, Context ctx, Collector<Alert> out) throws Exception {
        monitorStart.of(e); // the first event of this instance, whichever key it has
        IpGuardState s = state.value();
        if (s == null) {
            s = new IpGuardState();
            s.split = tracker.newState();
        }
        observeRate(s, e, out);
        SplitAccountTracker.Verdict v = tracker.observe(s.split, e);
        s.factor = v.factor();
        s.distinctClients = v.distinctClients();
        s.cleanupAt = CleanupTimer.move(ctx.timerService(), s.cleanupAt, e.timestampMillis, idleMillis);
        s.lastEventMillis = Math.max(s.lastEventMillis, e.timestampMillis);
        if (s.heldAlerts > 0) {
            release(s, s.lastEventMillis, out);
        }
        state.update(s); // always write back: RocksDB keeps a copy, not our object
    }

    private void observeRate(IpGuardState s, InferenceEvent e, Collector<Alert> out) {
        if (s.rate == null) {
            s.rate = rate.newState(e.timestampMillis, monitorStart.of(e));
        }
        Optional<ServingDetection> hit = rate.observe(s.rate, e);
        if (hit.isEmpty()) {
            return;
        }
        Alert a = alerts.create(hit.get(), IP_RATE_ID, rate.threat(), e);
        if (s.suppression == null) {
            s.suppression = suppression.newState();
        }
        if (suppression.admit(s.suppression, a)) {
            out.collect(a);
            ipRateAlerts.inc();
        }
    }

    @Override
    public void processElement2(Alert a, Context ctx, Collector<Alert> out) throws Exception {
        IpGuardState s = state.value();
        if (s != null && s.lastEventMillis >= a.eventTimeMillis) {
            out.collect(judged(a, s));
            return;
        }
        // Ahead of its IP's events: held until they catch up (an event at or after its time, or the
        // watermark past it, whichever comes first).
        if (s == null) {
            s = new IpGuardState();
            s.split = tracker.newState();
        }
        held.add(a);
        s.heldAlerts++;
        ctx.timerService().registerEventTimeTimer(a.eventTimeMillis);
        state.update(s);
    }

    /** Passes on the held alerts whose time is at most {@code upTo}, judged by the key's state now. */
    private void release(IpGuardState s, long upTo, Collector<Alert> out) throws Exception {
        List<Alert> keep = new ArrayList<>();
        Iterable<Alert> all = held.get(); // null when empty, on some state backends
        for (Alert a : all == null ? List.<Alert>of() : all) {
            if (a.eventTimeMillis <= upTo) {
                out.collect(judged(a, s));
            } else {
                keep.add(a);
            }
        }
        held.update(keep);
        s.heldAlerts = keep.size();
    }

    /** The alert, its risk raised when many client ids share its IP (extraction and adversarial alerts only). */
    private Alert judged(Alert a, IpGuardState s) {
        double f = s.factor;
        if (f > 1.0 && (a.threat == Threat.MODEL_STEALING || a.threat == Threat.ADVERSARIAL)) {
            // Split accounts: the same actor behind many client ids. Raise the risk by the factor
            // (at most to the top of the scale) and say why.
            int before = a.riskScore;
            a.riskScore = Math.min(10, (int) Math.ceil(a.riskScore * f));
            a.priority = risk.priorityOf(a.riskScore);
            ObjectNode evidence = Json.parseObject(a.evidenceJson);
            ObjectNode split = evidence.putObject("split_accounts");
            split.put("clients_behind_ip", s.distinctClients);
            split.put("factor", Json.round(f, 3));
            split.put("risk_score_before", before);
            a.evidenceJson = evidence.toString();
            raised.inc();
        }
        return a;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        IpGuardState s = state.value();
        if (s == null) {
            return;
        }
        if (s.heldAlerts > 0) {
            release(s, timestamp, out); // the watermark is past their time: no earlier event of the IP is still to come
        }
        boolean idle = s.cleanupAt == timestamp;
        if (idle && s.heldAlerts > 0) {
            s.cleanupAt = CleanupTimer.NONE; // freed once its last held alert is released
        } else if (idle || (s.cleanupAt == CleanupTimer.NONE && s.heldAlerts == 0)) {
            state.clear(); // idle, or made only to hold alerts, all now released
            held.clear();
            if (idle) {
                keysExpired.inc();
            }
            return;
        }
        state.update(s);
    }
}
