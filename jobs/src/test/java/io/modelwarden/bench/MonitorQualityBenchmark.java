package io.modelwarden.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelwarden.config.Config;
import io.modelwarden.model.InferenceEvent;
import io.modelwarden.synth.AbuseScenarios;
import io.modelwarden.synth.TrafficFiles;
import io.modelwarden.synth.TrafficScenarios;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Detection quality of the streaming monitor on the project's seeded traffic scenarios, through the
 * real {@code MonitorJob} (JSONL file source, parser, event time, every client detector, IP guard,
 * alerts.jsonl sink, checkpointing on) on an embedded MiniCluster with the default configuration.
 *
 * <p>The baseline is what a user gets: {@code PoisonedDataset.clean(seed, 5000, 8)} written as a CSV
 * and scanned by the real ScanJob, so it carries the training fingerprints (Bloom filter) and the
 * stateful-kNN tau calibrated on the training rows. {@link TrafficScenarios} and {@link AbuseScenarios}
 * of the same seed serve a model of exactly that training set (two model ids, one baseline for every
 * model). One merged stream of {@code HOURS} hours: benign clients of both generators, heavy benign
 * clients (two 50 qps batch scorers of natural data, two clients that retry the same few records), and
 * each attack as its own client (its own source IP) starting 20 minutes in.
 *
 * <p>Prints per attack the attacker query (1-based, counted by event time: the number of the
 * attacker's queries with event time <= the first alert's event_time) at which it was first alerted,
 * and per hour the share of benign clients that got any alert (client alerts, or an IP alert on
 * their source IP).
 *
 * <p>With {@code warmup} as the fourth argument the monitor runs without a baseline: each model is
 * calibrated by its warm-up on the merged traffic's first events (the attacks start 20 minutes in).
 *
 * <pre>bin/bench monitor-quality [SEED HOURS BENIGN_CLIENTS [warmup]]</pre>
 */
public final class MonitorQualityBenchmark {
    private MonitorQualityBenchmark() {}

    record Attack(String name, String client, String model, String threat, String target, int limit) {}

    public static void main(String[] args) throws Exception {
        long seed = args.length > 0 ? Long.parseLong(args[0]) : 11;
        int hours = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int benignClients = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        Path dir = Files.createTempDirectory("warden-monitor-quality");
        long t0 = System.nanoTime();
        System.out.printf(Locale.ROOT, "Monitor quality: seed %d, %d h of traffic, default configuration; %s at start%n", seed, hours,
                MonitorBenchSupport.uptime());

        boolean warmup = args.length > 3 && args[3].equals("warmup");
        Path baseline = null;
        if (warmup) {
            System.out.println("no baseline: every model is calibrated by its warm-up (monitor.warmup.*); membership_probe is off (no fingerprints)");
        } else {
            baseline = MonitorBenchSupport.scannedBaseline(dir, "quality", seed, AbuseScenarios.ROWS, AbuseScenarios.FEATURES);
            System.out.println("baseline: ScanJob of a 5,000-row x 8-feature clean training CSV -> " + baseline);
        }

        TrafficScenarios t = new TrafficScenarios(seed, AbuseScenarios.FEATURES, AbuseScenarios.ROWS);
        AbuseScenarios a = AbuseScenarios.create(seed);
        long start = TrafficScenarios.START_MILLIS;
        long attackAt = start + Duration.ofMinutes(20).toMillis();
        Duration span = Duration.ofHours(hours);

        List<List<InferenceEvent>> benign = new ArrayList<>();
        // AbuseScenarios: log-uniform 0.02..1 qps over the whole span, 5% explanation requests, 3 clients per IP.
        benign.add(AbuseScenarios.shift(a.benignClients(benignClients, span), start - AbuseScenarios.T0));
        // TrafficScenarios: 100 short-lived clients (50..300 queries at 0.05..2 qps) within the first hour.
        List<List<InferenceEvent>> shortLived = t.benignPopulation(100, 300, seed + 1);
        benign.addAll(shortLived);
        List<InferenceEvent> heavyA = AbuseScenarios.shift(a.heavyScorer(span), start - AbuseScenarios.T0);
        List<InferenceEvent> heavyT = t.batchScorer("batch-scorer-2", (int) (50L * span.toSeconds()), seed + 2);
        List<InferenceEvent> retryA = AbuseScenarios.shift(a.retryingClient(span), start - AbuseScenarios.T0);
        List<InferenceEvent> retryT = t.retrying("retrying-client-2", (int) (2L * span.toSeconds()), seed + 3);
        benign.add(heavyA);
        benign.add(heavyT);
        benign.add(retryA);
        benign.add(retryT);

        List<Attack> attacks = new ArrayList<>();
        List<List<InferenceEvent>> attackStreams = new ArrayList<>();
        Map<String, String> attackIp = new HashMap<>();
        String tm = TrafficScenarios.MODEL_ID;
        String am = AbuseScenarios.MODEL;
        addAttack(attacks, attackStreams, attackIp, new Attack("extraction, JBDA-style synthetic", "attacker-jbda", tm, "MODEL_STEALING", "<= 200", 200),
                t.jbdaExtraction("attacker-jbda", 1_000, seed + 4), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("extraction, uniform in mean +- 3 sd", "attacker-uniform-box", tm, "MODEL_STEALING", "<= 200", 200),
                t.uniformExtraction("attacker-uniform-box", 1_000, seed + 7), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("extraction, uniform in [min, max]", "extract-client", am, "MODEL_STEALING", "<= 200", 200),
                a.uniformExtraction(1_000), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("boundary attack, HopSkipJump-style", "attacker-hsj", tm, "ADVERSARIAL", "<= 20", 20),
                t.hopSkipJump("attacker-hsj", 300, seed + 5), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("score-based near-duplicates (NES)", "attacker-near-dup", tm, "ADVERSARIAL", "", 0),
                t.nearDuplicates("attacker-near-dup", 300, 0.05, seed + 6), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("membership, label-only perturbations", "mia-client", am, "MEMBERSHIP_INFERENCE", "", 0),
                a.membershipProbe(30, 10), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("membership, exact rows (50% members)", "mie-client", am, "MEMBERSHIP_INFERENCE", "", 0),
                a.membershipExact(600), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("inversion, one-feature sweeps", "inversion-client", am, "MODEL_INVERSION", "", 0),
                a.inversionSweep(10, 50), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("inversion, confidence hill-climb", "hill-client", am, "MODEL_INVERSION", "", 0),
                a.hillClimb(600), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("explanation abuse (80% explanations)", "explain-client", am, "EXPLAINABILITY_ABUSE", "", 0),
                a.explanationAbuse(600), attackAt);
        addAttack(attacks, attackStreams, attackIp, new Attack("flood, 200 qps", "flood-client", am, "DENIAL_OF_SERVICE", "", 0),
                a.flood(200, Duration.ofMinutes(5)), attackAt);

        List<List<InferenceEvent>> all = new ArrayList<>(benign);
        all.addAll(attackStreams);
        List<InferenceEvent> events = TrafficScenarios.merge(all);
        Path file = TrafficFiles.write(events, dir.resolve("events.jsonl"));

        Map<String, List<InferenceEvent>> byClient = new LinkedHashMap<>();
        for (InferenceEvent e : events) {
            byClient.computeIfAbsent(e.modelId + "|" + e.clientId, k -> new ArrayList<>()).add(e);
        }
        Set<String> attackers = new HashSet<>();
        for (Attack at : attacks) {
            attackers.add(at.model + "|" + at.client);
        }
        System.out.printf(Locale.ROOT, "traffic: %,d events, %,d clients (%d attackers), %s%n", events.size(), byClient.size(), attacks.size(), file);

        Path out = dir.resolve("monitor");
        long runStart = System.nanoTime();
        MonitorBenchSupport.runMonitor(file, Map.of(), baseline == null ? null : baseline.toString(), out, Config.defaults());
        double runSecs = (System.nanoTime() - runStart) / 1e9;
        List<JsonNode> alerts = MonitorBenchSupport.readAlerts(out);
        System.out.printf(Locale.ROOT, "MonitorJob on a MiniCluster (parallelism = %d cores): %.1f s, %,d alerts; %s%n%n",
                Runtime.getRuntime().availableProcessors(), runSecs, alerts.size(), MonitorBenchSupport.uptime());

        Map<String, List<JsonNode>> alertsByClient = new HashMap<>();
        Map<String, List<JsonNode>> ipAlerts = new HashMap<>();
        for (JsonNode al : alerts) {
            String model = al.get("model_id").asText();
            alertsByClient.computeIfAbsent(model + "|" + al.path("client_id").asText(), k -> new ArrayList<>()).add(al);
            if (al.get("detector").asText().equals("rate_limit_ip")) {
                ipAlerts.computeIfAbsent(model + "|" + al.path("source_ip").asText(), k -> new ArrayList<>()).add(al);
            }
        }

        System.out.printf(Locale.ROOT, "Per attack: the attacker query (1-based) whose event_time is the first alert's; 'any alert' is the first alert of any"
                + "%ndetector (a 5-10 qps attacker also trips the per-minute rate rule), 'own threat' the first alert of the attack's threat class;"
                + "%nthe target is judged on the own-threat alert.%n");
        System.out.printf(Locale.ROOT, "%-38s %7s %-28s %-34s %-12s  %s%n", "attack", "queries", "any alert", "own threat alert", "target",
                "all detectors that fired (alerts)");
        for (Attack at : attacks) {
            String key = at.model + "|" + at.client;
            List<InferenceEvent> ev = byClient.get(key);
            List<JsonNode> own = new ArrayList<>(alertsByClient.getOrDefault(key, List.of()));
            for (JsonNode al : ipAlerts.getOrDefault(at.model + "|" + attackIp.get(at.client), List.of())) {
                if (!own.contains(al)) {
                    own.add(al);
                }
            }
            TreeMap<String, Integer> fired = new TreeMap<>();
            for (JsonNode al : own) {
                fired.merge(al.get("detector").asText(), 1, Integer::sum);
            }
            long[] any = firstQuery(own, ev, null);
            long[] threat = firstQuery(own, ev, at.threat);
            String verdict = "";
            if (at.limit > 0) {
                verdict = threat[0] > 0 && threat[0] <= at.limit ? "met" : "MISSED";
            }
            System.out.printf(Locale.ROOT, "%-38s %7d %-28s %-34s %-12s  %s%n", at.name, ev.size(), describe(own, any),
                    describe(own, threat) + " " + at.threat.toLowerCase(Locale.ROOT), (at.target + " " + verdict).trim(), fired);
        }

        // Benign clients: which were alerted, per hour of traffic.
        Set<String> everAlerted = new TreeSet<>();
        Map<String, String> ipOf = new HashMap<>();
        List<String> benignKeys = new ArrayList<>();
        for (Map.Entry<String, List<InferenceEvent>> e : byClient.entrySet()) {
            if (!attackers.contains(e.getKey())) {
                benignKeys.add(e.getKey());
                InferenceEvent first = e.getValue().get(0);
                ipOf.put(e.getKey(), first.modelId + "|" + first.sourceIp);
            }
        }
        Set<String> heavyKeys = Set.of(am + "|batch-scorer", tm + "|batch-scorer-2", am + "|retrying-client", tm + "|retrying-client-2");
        System.out.printf(Locale.ROOT, "%nBenign clients alerted per hour of traffic (target <= 1%%). 'client alerts' counts alerts naming the client;"
                + "%n'+ IP alerts' also counts a rate_limit_ip alert on the client's source IP against every client behind that IP.%n");
        System.out.printf(Locale.ROOT, "%-8s %-26s %7s %15s %8s %15s %8s  %s%n", "hour", "population", "active", "client alerts", "share", "+ IP alerts",
                "share", "alerted (detectors)");
        for (int h = 0; h < hours; h++) {
            long lo = start + h * 3_600_000L;
            long hi = lo + 3_600_000L;
            for (int pop = 0; pop < 2; pop++) {
                int active = 0;
                int own = 0;
                List<String> hit = new ArrayList<>();
                for (String k : benignKeys) {
                    if (pop == 1 && heavyKeys.contains(k)) {
                        continue;
                    }
                    if (byClient.get(k).stream().noneMatch(e -> e.timestampMillis >= lo && e.timestampMillis < hi)) {
                        continue;
                    }
                    active++;
                    TreeSet<String> dets = new TreeSet<>();
                    boolean byName = false;
                    for (JsonNode al : alertsByClient.getOrDefault(k, List.of())) {
                        long et = Instant.parse(al.get("event_time").asText()).toEpochMilli();
                        if (et >= lo && et < hi) {
                            dets.add(al.get("detector").asText());
                            byName = true;
                        }
                    }
                    for (JsonNode al : ipAlerts.getOrDefault(ipOf.get(k), List.of())) {
                        long et = Instant.parse(al.get("event_time").asText()).toEpochMilli();
                        if (et >= lo && et < hi) {
                            dets.add(al.get("detector").asText() + (al.path("client_id").asText().equals(k.substring(k.indexOf('|') + 1)) ? "" : " of another client on its IP"));
                        }
                    }
                    if (byName) {
                        own++;
                    }
                    if (!dets.isEmpty()) {
                        hit.add(k.substring(k.indexOf('|') + 1) + dets);
                        everAlerted.add(k);
                    }
                }
                double s1 = 100.0 * own / Math.max(1, active);
                double s2 = 100.0 * hit.size() / Math.max(1, active);
                System.out.printf(Locale.ROOT, "%-8s %-26s %7d %15d %7.2f%% %15d %7.2f%%  %s%n", "hour " + (h + 1),
                        pop == 0 ? "all benign (incl. heavy)" : "ordinary (without 4 heavy)", active, own, s1, hit.size(), s2, pop == 0 ? hit : "");
            }
        }
        System.out.printf(Locale.ROOT, "benign clients alerted at least once over %d h: %d of %d%n", hours, everAlerted.size(), benignKeys.size());

        System.out.printf(Locale.ROOT, "%nheavy benign clients (all their alerts over %d h):%n", hours);
        heavy("batch scorer, 50 qps natural (AbuseScenarios)", am + "|batch-scorer", byClient, alertsByClient, ipAlerts, ipOf);
        heavy("batch scorer, 50 qps natural (TrafficScenarios)", tm + "|batch-scorer-2", byClient, alertsByClient, ipAlerts, ipOf);
        heavy("retrying client, 3 records in bursts", am + "|retrying-client", byClient, alertsByClient, ipAlerts, ipOf);
        heavy("retrying client, 5 records, 70% re-sends", tm + "|retrying-client-2", byClient, alertsByClient, ipAlerts, ipOf);
        System.out.printf(Locale.ROOT, "%ntotal %.0f s; %s at the end%n", (System.nanoTime() - t0) / 1e9, MonitorBenchSupport.uptime());
    }

    /** {query number (0: never), index into alerts} of the first alert (of the threat, if given). */
    private static long[] firstQuery(List<JsonNode> alerts, List<InferenceEvent> ev, String threat) {
        long best = Long.MAX_VALUE;
        int idx = -1;
        for (int i = 0; i < alerts.size(); i++) {
            JsonNode al = alerts.get(i);
            if (threat != null && !al.get("threat").asText().equals(threat)) {
                continue;
            }
            long et = Instant.parse(al.get("event_time").asText()).toEpochMilli();
            if (et < best) {
                best = et;
                idx = i;
            }
        }
        if (idx < 0) {
            return new long[] {0, -1};
        }
        long t = best;
        return new long[] {ev.stream().filter(e -> e.timestampMillis <= t).count(), idx};
    }

    private static String describe(List<JsonNode> alerts, long[] first) {
        return first[1] < 0 ? "never" : "query " + first[0] + " " + alerts.get((int) first[1]).get("detector").asText();
    }

    private static void addAttack(List<Attack> attacks, List<List<InferenceEvent>> streams, Map<String, String> ips, Attack a,
            List<InferenceEvent> events, long at) {
        // Every attacker gets its own source IP (so IP-level alerts are attributable) and starts at `at`.
        String ip = "203.0.113." + (attacks.size() + 10);
        long shift = at - events.get(0).timestampMillis;
        for (InferenceEvent e : events) {
            e.sourceIp = ip;
            e.timestampMillis += shift;
        }
        attacks.add(a);
        streams.add(events);
        ips.put(a.client, ip);
    }

    private static void heavy(String name, String key, Map<String, List<InferenceEvent>> byClient, Map<String, List<JsonNode>> alertsByClient,
            Map<String, List<JsonNode>> ipAlerts, Map<String, String> ipOf) {
        List<InferenceEvent> ev = byClient.get(key);
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (JsonNode al : alertsByClient.getOrDefault(key, List.of())) {
            byId.put(al.get("alert_id").asText(), al);
        }
        for (JsonNode al : ipAlerts.getOrDefault(ipOf.get(key), List.of())) {
            byId.put(al.get("alert_id").asText(), al);
        }
        List<JsonNode> own = new ArrayList<>(byId.values());
        List<String> desc = new ArrayList<>();
        for (JsonNode al : own) {
            long et = Instant.parse(al.get("event_time").asText()).toEpochMilli();
            long k = ev.stream().filter(e -> e.timestampMillis <= et).count();
            desc.add(al.get("detector").asText() + " at query " + k + " (minute " + (et - ev.get(0).timestampMillis) / 60_000 + ")");
        }
        System.out.printf(Locale.ROOT, "  %-48s %,8d queries  %d alert(s) %s%n", name, ev.size(), own.size(), desc);
    }
}
