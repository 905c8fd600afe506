package io.modelwarden.scan.report;

/** The report's inline stylesheet: system fonts only, nothing loaded from outside the page. */
final class Style {
    static final String CSS = """
            :root{--ink:#0f172a;--ink2:#475569;--line:#e2e8f0;--bg:#f4f6f9;--card:#fff;
            --crit:#991b1b;--high:#dc2626;--med:#d97706;--low:#2563eb;--ok:#15803d}
            *{box-sizing:border-box}
            html{scroll-behavior:smooth}
            body{margin:0;background:var(--bg);color:var(--ink);
            font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
            code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.92em}
            .wrap,main{max-width:1240px;margin:0 auto;padding:0 24px}
            header{background:#0f172a;color:#e2e8f0;padding:20px 0 18px}
            header .brand{font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:#94a3b8;font-weight:600}
            header .brand span{color:#64748b;font-weight:400}
            header h1{margin:4px 0 14px;font-size:22px;font-weight:600;color:#fff}
            header h1 code{font-size:.9em;word-break:break-all}
            header .tag{background:#1e293b;border:1px solid #334155;border-radius:4px;padding:0 6px;font-size:12px;color:#cbd5e1}
            header .muted{color:#94a3b8}
            .facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:10px 28px;margin:0}
            .facts div{min-width:0}
            .facts .wide{grid-column:span 2}
            .facts dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#94a3b8}
            .facts dd{margin:2px 0 0;color:#f1f5f9;overflow-wrap:anywhere}
            .facts .hash{font-size:12px}
            nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);
            box-shadow:0 1px 2px rgba(15,23,42,.04)}
            nav .wrap{display:flex;gap:4px;flex-wrap:wrap;padding-top:6px;padding-bottom:6px}
            nav a{color:var(--ink2);text-decoration:none;padding:4px 10px;border-radius:6px;font-size:13px}
            nav a:hover{background:#f1f5f9;color:var(--ink)}
            section{margin:22px 0;scroll-margin-top:50px}
            h2{font-size:17px;margin:0 0 10px;padding-bottom:6px;border-bottom:1px solid var(--line)}
            h3{font-size:14px;margin:0 0 8px}
            .card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;min-width:0}
            .card.narrow{max-width:720px}
            .card-head{display:flex;align-items:center;gap:8px;margin-bottom:8px}
            .card-head h3{margin:0}
            .grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
            .verdict{border-radius:10px;padding:16px 20px;border:1px solid;margin-top:20px}
            .verdict .v-title{font-size:20px;font-weight:650}
            .verdict p{margin:4px 0 0}
            .v-critical{background:#fef2f2;border-color:#fca5a5;border-left:8px solid var(--crit)}
            .v-high{background:#fff5f5;border-color:#fecaca;border-left:8px solid var(--high)}
            .v-medium{background:#fffbeb;border-color:#fde68a;border-left:8px solid var(--med)}
            .v-low{background:#eff6ff;border-color:#bfdbfe;border-left:8px solid var(--low)}
            .v-clean{background:#f0fdf4;border-color:#bbf7d0;border-left:8px solid var(--ok)}
            .v-clean .v-title{color:var(--ok)}
            .v-unknown{background:#f8fafc;border-color:var(--line);border-left:8px solid #94a3b8}
            .chips{display:flex;gap:8px;flex-wrap:wrap;margin-top:10px}
            .chip{background:#fff;border:1px solid var(--line);border-radius:999px;padding:3px 12px 3px 4px;font-weight:600}
            .chip.zero{opacity:.45}
            .v-notes{margin:10px 0 0;padding:0;list-style:none;display:flex;gap:24px;flex-wrap:wrap;color:var(--ink2)}
            .badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:11px;font-weight:700;
            letter-spacing:.03em;color:#fff;background:#64748b;white-space:nowrap}
            .p-critical{background:var(--crit)}.p-high{background:var(--high)}.p-medium{background:var(--med)}
            .p-low{background:var(--low)}.p-unknown{background:#64748b}
            .badge.bad{background:var(--high)}.badge.good{background:var(--ok)}
            .badge.off{background:#cbd5e1;color:#334155}.badge.ds{background:#e2e8f0;color:#334155}
            .stats{display:flex;gap:12px;flex-wrap:wrap;margin:4px 0 12px}
            .stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:150px}
            .stats.small .stat{min-width:110px;padding:5px 10px;background:#f8fafc}
            .stat-label{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--ink2)}
            .stat-value{font-size:20px;font-weight:650;font-variant-numeric:tabular-nums}
            .stats.small .stat-value{font-size:16px}
            .stat-note{font-size:12px;color:var(--ink2)}
            table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line);
            border-radius:8px;overflow:hidden;font-size:13px}
            table.compact{width:auto;min-width:420px}
            th{text-align:left;font-size:11px;text-transform:uppercase;letter-spacing:.05em;color:var(--ink2);
            background:#f8fafc;padding:7px 10px;border-bottom:1px solid var(--line);white-space:nowrap}
            td{padding:6px 10px;border-bottom:1px solid #f1f5f9;vertical-align:top}
            tbody tr:last-child td{border-bottom:0}
            tbody tr:hover td{background:#f8fafc}
            .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            .muted{color:#94a3b8}
            .sub{font-size:12px;color:var(--ink2);margin-top:2px}
            .hint{color:var(--ink2);font-size:13px;margin:0 0 10px}
            .empty{color:var(--ink2);background:#fff;border:1px dashed #cbd5e1;border-radius:8px;padding:14px 16px;margin:0}
            .more{color:var(--ink2);font-style:italic;margin:6px 0 0}
            .ok{color:var(--ok);margin:8px 0 0;font-weight:600}
            details{margin-top:12px}
            summary{cursor:pointer;color:var(--ink2);font-weight:600}
            details table{margin-top:8px}
            .hash{overflow-wrap:anywhere}
            svg.chart{display:block;width:100%;height:auto}
            svg.hbar{max-width:560px}
            svg.histogram{max-width:560px;margin:4px 0 8px}
            svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#334155}
            svg text.tick{font-size:10px;fill:#64748b}
            svg text.val{font-variant-numeric:tabular-nums}
            svg text.thr{font-size:11px;font-weight:600;fill:#b91c1c}
            svg .grid{stroke:#eef2f7;stroke-width:1}
            svg .axis{stroke:#94a3b8;stroke-width:1}
            svg .threshold{stroke:#b91c1c;stroke-width:1.5;stroke-dasharray:4 3}
            .detector.disabled{opacity:.6}
            .kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;font-size:13px}
            .kv dt{color:var(--ink2)}
            .kv dd{margin:0;overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
            .params{border-top:1px solid #f1f5f9;padding-top:8px}
            .ev{font-size:12px}
            .ev dt::after{content:":"}
            code.json{background:#f1f5f9;border-radius:4px;padding:0 4px;font-size:11.5px}
            table.findings td:last-child{width:46%;min-width:300px}
            table.findings td:nth-child(4){max-width:220px;overflow-wrap:anywhere}
            tr.drifted td{background:#fff7ed}
            tr.drifted td:first-child{box-shadow:inset 4px 0 0 var(--high);font-weight:600}
            .bar-col{width:240px}
            .psi{display:flex;align-items:center;gap:8px}
            .psi .track{flex:1;height:10px;background:#f1f5f9;border-radius:5px;overflow:hidden}
            .psi .fill{display:block;height:100%;border-radius:5px}
            .psi .fill.low{background:#22c55e}.psi .fill.mid{background:#f59e0b}.psi .fill.high{background:#dc2626}
            .psi .v{width:52px;text-align:right;font-variant-numeric:tabular-nums}
                        table.drift td:nth-child(n+3):nth-child(-n+5),table.features td:nth-child(n+3):nth-child(-n+9)
            {text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            table.drift td:last-child{color:var(--ink2);font-size:12px}
            .range-col{width:176px}
            .rng{position:relative;display:block;width:160px;height:14px}
            .rng::before{content:"";position:absolute;left:0;right:0;top:6px;height:1px;background:#94a3b8}
            .rng i{position:absolute;top:2px;height:10px;background:#bfdbfe;border:1px solid #3b82f6;border-radius:2px}
            .rng b{position:absolute;top:0;width:2px;height:14px;margin-left:-1px;background:#1e3a8a}
            footer{max-width:1240px;margin:30px auto;padding:14px 24px;color:#94a3b8;font-size:12px;border-top:1px solid var(--line)}
            @media (max-width:1000px){.grid2{grid-template-columns:1fr}.facts .wide{grid-column:auto}}
            @media print{nav{display:none}body{background:#fff}section{break-inside:avoid-page}}
            """;

    private Style() {}
}
