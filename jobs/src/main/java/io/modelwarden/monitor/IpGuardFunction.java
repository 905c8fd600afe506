package io.modelwarden.monitor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.detect.serving.AlertFactory;
import io.modelwarden.detect.serving.AlertSuppression;
import io.modelwarden.detect.serving.ServingDetection;
import io.modelwarden.detect.serving.ServingDetector;
import io.modelwarden.detect.serving.SplitAccountState;
import io.modelwarden.detect.serving.SplitAccountTracker;
import io.modelwarden.detect.serving.SuppressionState;
import io.modelwarden.json.Json;
import io.modelwarden.metrics.WardenMetrics;
import io.modelwarden.model.Alert;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.model.Threat;
import io.modelwarden.risk.RiskPolicy;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Per {@code model_id|source_ip}: the rate rule over everything the IP sends (the guide's 100
 * queries per minute per IP as the limit, twice that alerts), and the split-account tracker: the
 * client alerts of that IP pass through here and, when many client ids share the IP, the alerts of
 * the extraction and adversarial detectors get a higher risk score (evidence {@code split_accounts}).
 * One timer per key clears its state after the tracker's idle timeout.
 */
public final class IpGuardFunction extends KeyedCoProcessFunction<String, InferenceEvent, Alert, Alert> {
    private static final long serialVersionUID = 1L;
    /** The IP rule's own id, distinct from the per-client rate alerts. */
    public static final String IP_RATE_ID = "rate_limit_ip";

    private final ServingDetector<?> rate;
    private final SplitAccountTracker tracker;
    private final AlertFactory alerts;
    private final AlertSuppression suppression;
    private final RiskPolicy risk;

    private transient ValueState<Object> rateState;
    private transient ValueState<SplitAccountState> splitState;
    private transient ValueState<SuppressionState> suppressed;
    private transient ValueState<Double> factor;
    private transient ValueState<Integer> distinctClients;
    private transient ValueState<Long> cleanupAt;
    private transient Counter raised;
    private transient Counter keysExpired;
    private transient Counter ipRateAlerts;
    private transient MonitorStart monitorStart;

    public IpGuardFunction(ServingDetector<?> rate, SplitAccountTracker tracker, AlertFactory alerts, AlertSuppression suppression, RiskPolicy risk) {
        this.rate = rate;
        this.tracker = tracker;
        this.alerts = alerts;
        this.suppression = suppression;
        this.risk = risk;
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void open(OpenContext context) {
        TypeInformation type = TypeInformation.of(rate.stateClass());
        rateState = getRuntimeContext().getState(new ValueStateDescriptor<Object>(IP_RATE_ID + ".state", type));
        splitState = getRuntimeContext().getState(new ValueStateDescriptor<>("split-accounts.state", TypeInformation.of(SplitAccountState.class)));
        suppressed = getRuntimeContext().getState(new ValueStateDescriptor<>(IP_RATE_ID + ".suppression", TypeInformation.of(SuppressionState.class)));
        factor = getRuntimeContext().getState(new ValueStateDescriptor<>("split-accounts.factor", Types.DOUBLE));
        distinctClients = getRuntimeContext().getState(new ValueStateDescriptor<>("split-accounts.clients", Types.INT));
        cleanupAt = getRuntimeContext().getState(new ValueStateDescriptor<>("cleanup-at", Types.LONG));
        var group = WardenMetrics.group(getRuntimeContext().getMetricGroup());
        raised = group.counter("alertsRaisedBySplitAccounts");
        keysExpired = group.counter("keysExpired");
        ipRateAlerts = WardenMetrics.labelled(group, "alerts", "threat", Map.of(IP_RATE_ID, rate.threat().name())).get(IP_RATE_ID);
        monitorStart = new MonitorStart();
    }

    @Override
    public void processElement1(InferenceEvent e, Context ctx, Collector<Alert> out) throws Exception {
        monitorStart.of(e); // the first event of this instance, whichever key it has
        observeRate(rate, e, out);
        SplitAccountState s = splitState.value();
        if (s == null) {
            s = tracker.newState();
        }
        SplitAccountTracker.Verdict v = tracker.observe(s, e);
        splitState.update(s);
        factor.update(v.factor());
        distinctClients.update(v.distinctClients());
        long idle = Math.max(tracker.idleTimeout().toMillis(), rate.idleTimeout().toMillis());
        long at = ((e.timestampMillis + idle) / ServingDetectorsFunction.TIMER_ROUNDING_MS + 1) * ServingDetectorsFunction.TIMER_ROUNDING_MS;
        Long pending = cleanupAt.value();
        if (pending == null || pending != at) {
            if (pending != null) {
                ctx.timerService().deleteEventTimeTimer(pending);
            }
            ctx.timerService().registerEventTimeTimer(at);
            cleanupAt.update(at);
        }
    }

    private <S> void observeRate(ServingDetector<S> d, InferenceEvent e, Collector<Alert> out) throws Exception {
        Object stored = rateState.value();
        S current = stored == null ? d.newState(e.timestampMillis, monitorStart.of(e)) : d.stateClass().cast(stored);
        Optional<ServingDetection> hit = d.observe(current, e);
        rateState.update(current);
        if (hit.isEmpty()) {
            return;
        }
        Alert a = alerts.create(hit.get(), IP_RATE_ID, d.threat(), e);
        SuppressionState s = suppressed.value();
        if (s == null) {
            s = suppression.newState();
        }
        boolean admitted = suppression.admit(s, a);
        suppressed.update(s);
        if (admitted) {
            out.collect(a);
            ipRateAlerts.inc();
        }
    }

    @Override
    public void processElement2(Alert a, Context ctx, Collector<Alert> out) throws Exception {
        Double f = factor.value();
        if (f != null && f > 1.0 && (a.threat == Threat.MODEL_STEALING || a.threat == Threat.ADVERSARIAL)) {
            // Split accounts: the same actor behind many client ids. Raise the risk by the factor
            // (at most to the top of the scale) and say why.
            int before = a.riskScore;
            a.riskScore = Math.min(10, (int) Math.ceil(a.riskScore * f));
            a.priority = risk.priorityOf(a.riskScore);
            ObjectNode evidence = Json.parseObject(a.evidenceJson);
            ObjectNode split = evidence.putObject("split_accounts");
            split.put("clients_behind_ip", distinctClients.value());
            split.put("factor", Json.round(f, 3));
            split.put("risk_score_before", before);
            a.evidenceJson = evidence.toString();
            raised.inc();
        }
        out.collect(a);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Alert> out) throws Exception {
        Long pending = cleanupAt.value();
        if (pending == null || pending != timestamp) {
            return;
        }
        rateState.clear();
        splitState.clear();
        suppressed.clear();
        factor.clear();
        distinctClients.clear();
        cleanupAt.clear();
        keysExpired.inc();
    }
}
