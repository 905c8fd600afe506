package io.modelwarden.scan.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelwarden.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScanReportTest {
    /** Set (e.g. -Dreport.sample=/tmp/report-sample.html) to also write the realistic page for a look. */
    private static final String SAMPLE_PROPERTY = "report.sample";

    @Test
    void rendersEverySectionOfARealisticScan() throws Exception {
        ObjectNode summary = ReportFixtures.realisticSummary();
        List<JsonNode> findings = ReportFixtures.findings(40);

        String html = ScanReport.render(summary, findings);

        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(html).contains(ReportFixtures.SCAN_ID, "s3://ml-data/fraud/train/2026-11-28/",
                "9c1185a5c5e9fc54612808977ee8f548b2258d31b3c5f0b8d1ef6f2b2a5f0c41", "20,000", "2026-11-28 22:00:03 UTC",
                "1 min 14 s");
        for (String id : List.of("verdict", "input", "findings", "detectors", "drift", "labels", "features", "categories",
                "top-findings", "run")) {
            assertThat(html).contains("<section id=\"" + id + "\"");
        }
        // Verdict with counts by priority, rejected rows with reasons.
        assertThat(html).contains("class=\"verdict v-critical\"", "highest priority CRITICAL", "unparsable number",
                "wrong column count");
        // One histogram per detector that has one (the disabled detector has none), each with its threshold.
        assertThat(count(html, "<svg class=\"chart histogram\"")).isEqualTo(ReportFixtures.DETECTORS.length);
        assertThat(count(html, "class=\"threshold\"")).isEqualTo(ReportFixtures.DETECTORS.length);
        assertThat(html).contains("threshold 0.61", "Detector disabled: nothing scored.", "sample_size");
        // The duplicate grouping's rate against the baseline's, in its card and in the verdict.
        assertThat(html).contains("<dt>rate.extra_copies</dt><dd>412</dd>", "<dt>rate.baseline_share</dt>");
        assertThat(html).contains("<li>Against the baseline: 2.1% of rows are extra copies (baseline 2.0%)</li>");
        // Category columns: counts, most frequent values (escaped), drift against the baseline, free text without a verdict.
        String categories = html.substring(html.indexOf("<section id=\"categories\">"), html.indexOf("<section id=\"top-findings\">"));
        assertThat(categories).contains("<code>merchant_country</code>", "<code>US</code>", "&lt;script&gt;", "Jensen\u2013Shannon 0.31",
                "<span class=\"badge bad\">drifted</span>", "<span class=\"muted\">free text</span>", "no verdict: free text")
                .doesNotContain("<script>");
        // An identifying column (free text here) is marked as out of the copy key; a category column is not.
        String identifies = "<span class=\"muted\">identifies rows</span>";
        assertThat(count(categories, identifies)).isEqualTo(1);
        assertThat(categories.indexOf(identifies)).isGreaterThan(categories.indexOf("<code>device_note</code>"));
        // A feature that looks like a row id is marked in the feature table, once.
        assertThat(count(html, "looks like a row id")).isEqualTo(1);
        // Findings by kind and by detector as bar charts.
        assertThat(html).contains("aria-label=\"Findings by kind\"", "aria-label=\"Findings by detector\"");
        // Drift: drifted features highlighted, sorted by PSI; the label chart and feature table.
        assertThat(count(html, "<tr class=\"drifted\">")).isEqualTo(3);
        assertThat(html.indexOf("<code>card_age_days</code>", html.indexOf("id=\"drift\"")))
                .isLessThan(html.indexOf("<code>amount</code>", html.indexOf("id=\"drift\"")));
        assertThat(html).contains("aria-label=\"Label distribution\"", "legit", "fraud", "<th class=\"num\">p99</th>");
        // Evidence rendered as key: value, nested values as compact JSON, dataset-level findings marked.
        assertThat(html).contains("<dt>neighbour_label</dt><dd>fraud</dd>", "<dt>agreement</dt><dd>0.93</dd>",
                "<code class=\"json\">{&quot;amount&quot;:4.7,&quot;velocity_1h&quot;:3.9}</code>",
                "<span class=\"badge ds\">dataset</span>", "badge p-critical", "LABEL FLIP");
    }

    @Test
    void escapesHostileStringsFromTheData() {
        ObjectNode summary = ReportFixtures.realisticSummary();
        summary.put("scan_id", "x\" onmouseover=\"alert(2)");
        ((ObjectNode) summary.path("labels")).put("<img src=x onerror=alert(3)>", 5);
        ((ObjectNode) summary.path("rows").path("rejected_by_reason")).put("</td><script>alert(4)</script>", 1);

        String html = ScanReport.render(summary, ReportFixtures.findings(8));

        assertThat(html).doesNotContain(ReportFixtures.EVIL_COLUMN, "<img src=x", "<script>alert(4)",
                "\" onmouseover=\"alert(2)");
        assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(3)&gt;",
                "x&quot; onmouseover=&quot;alert(2)");
        // The hostile column name is escaped in the header schema, drift, feature table and evidence alike.
        assertThat(count(html, "&lt;script&gt;alert(1)&lt;/script&gt;")).isGreaterThanOrEqualTo(3);
        assertThat(html).doesNotContainIgnoringCase("<script");
    }

    @Test
    void rendersEmptyStatesForACleanScanWithoutBaseline() {
        ObjectNode summary = ReportFixtures.summary(6, 2, 0, false);

        String html = ScanReport.render(summary, List.of());

        assertThat(html).contains("class=\"verdict v-clean\"", "No findings", "Drift: no baseline given",
                "No baseline given: drift was not measured", "Nothing flagged.");
        assertThat(html).doesNotContain("<tr class=\"drifted\">", "highest priority", "<table class=\"findings\"", "Against the baseline");
        assertThat(count(html, "<svg class=\"chart histogram\"")).isEqualTo(ReportFixtures.DETECTORS.length);
    }

    @Test
    void toleratesMissingSections() {
        String html = ScanReport.render(Json.read("{\"scan_id\":\"only-an-id\"}"), null);

        assertThat(html).contains("only-an-id", "Findings not available", "No detector details",
                "No baseline given", "No label distribution", "No feature statistics", "Row counts not available",
                "No timings or thresholds");
        assertThat(ScanReport.render(null, List.of())).contains("<section id=\"verdict\"");
    }

    @Test
    void isSelfContained() {
        String html = ScanReport.render(ReportFixtures.realisticSummary(), ReportFixtures.findings(40));

        assertThat(html).doesNotContainIgnoringCase("http://").doesNotContainIgnoringCase("https://");
        assertThat(html).doesNotContainIgnoringCase("<script").doesNotContainIgnoringCase("<link")
                .doesNotContainIgnoringCase("<img").doesNotContainIgnoringCase("@import")
                .doesNotContainIgnoringCase("url(").doesNotContain("src=");
    }

    @Test
    void staysSmallForAWideScan() {
        ObjectNode summary = ReportFixtures.summary(2_000, 500, 5_000, true);

        String html = ScanReport.render(summary, ReportFixtures.findings(ScanReport.MAX_FINDINGS));

        assertThat(html.getBytes(StandardCharsets.UTF_8).length).isLessThan(300 * 1024);
        assertThat(html).contains("more features with lower PSI", "other (" + (500 - ScanReport.MAX_LABELS) + " labels)");
    }

    @Test
    void writesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("out/report.html");

        ScanReport.write(file, ReportFixtures.realisticSummary(), ReportFixtures.findings(40));

        assertThat(Files.readString(file)).contains(ReportFixtures.SCAN_ID);
        String sample = System.getProperty(SAMPLE_PROPERTY);
        if (sample != null && !sample.isBlank()) {
            ScanReport.write(Path.of(sample), ReportFixtures.realisticSummary(), ReportFixtures.findings(40));
            ScanReport.write(Path.of(sample.replace(".html", "-clean.html")), ReportFixtures.summary(6, 2, 0, false),
                    List.of());
            ScanReport.write(Path.of(sample.replace(".html", "-wide.html")), ReportFixtures.summary(2_000, 500, 5_000, true),
                    ReportFixtures.findings(ScanReport.MAX_FINDINGS));
        }
    }

    @Test
    void formatsValuesForReading() {
        assertThat(Html.esc("a<b>&\"c'")).isEqualTo("a&lt;b&gt;&amp;&quot;c&#39;");
        assertThat(Html.number(1234567.0)).isEqualTo("1,234,567");
        assertThat(Html.number(0.61234567)).isEqualTo("0.6123");
        assertThat(Html.number(12345.678)).isEqualTo("12,345.7");
        assertThat(Html.number(1e-9)).isEqualTo("1.00e-9");
        assertThat(Html.number((Double) null)).isEqualTo(Html.MISSING);
        assertThat(Html.duration(74_360)).isEqualTo("1 min 14 s");
        assertThat(Html.time("2026-11-28T23:00:03+01:00")).isEqualTo("2026-11-28 22:00:03 UTC");
        assertThat(ScanReport.evidence(Json.read("{\"k\":[1,2],\"s\":\"<b>\",\"n\":null}")))
                .isEqualTo("<dl class=\"kv ev\"><dt>k</dt><dd><code class=\"json\">[1,2]</code></dd>"
                        + "<dt>s</dt><dd>&lt;b&gt;</dd><dt>n</dt><dd><span class=\"muted\">null</span></dd></dl>");
    }

    private static int count(String haystack, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(haystack);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
