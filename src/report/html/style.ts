/** The page's stylesheet: plain system fonts, verdict colours, diagrams that scroll sideways on a narrow screen and print whole. */
export const CSS = `
:root { --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #fff; --soft: #f8fafc; --bad: #dc2626; --warn: #b45309; --ok: #047857; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 20px 28px 60px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 6px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
.chips { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
.chip { border-radius: 999px; padding: 3px 12px; font-weight: 600; border: 1px solid currentColor; }
.v-healthy { color: var(--ok); } .v-lossy, .v-frag-needed { color: var(--warn); } .v-incomplete { color: var(--muted); }
.v-request-only, .v-host-unreachable, .v-filtered { color: var(--bad); } .v-refused { color: #7e22ce; }
.badge { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 12px; font-weight: 700; border: 1px solid currentColor; white-space: nowrap; }
.finding, .flow { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 12px 0; background: var(--bg); }
.finding .count { float: right; font-weight: 700; font-size: 16px; }
.cmds { background: #0f172a; color: #e2e8f0; border-radius: 6px; padding: 8px 12px; margin: 8px 0 0; white-space: pre-wrap; }
.diagram { overflow-x: auto; margin: 10px 0; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
.lost-list li { color: var(--bad); }
.node-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
.node-card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--soft); }
.node-card h3 { overflow-wrap: anywhere; } ul.clues { margin: 4px 0; padding-left: 18px; } ul.clues li { margin: 2px 0; }
svg.ladder text { font-size: 11px; fill: #334155; }
svg.ladder .grp { fill: #eff6ff; stroke: #93c5fd; } svg.ladder .grp.unseen { fill: #fff; stroke: #94a3b8; stroke-dasharray: 5 4; }
svg.ladder .grp-node { font-weight: 700; text-anchor: middle; font-size: 12px; fill: #0f172a; } svg.ladder .grp-input { text-anchor: middle; fill: var(--muted); }
svg.ladder .lane-label { text-anchor: middle; font-weight: 600; font-size: 10.5px; } svg.ladder .time-head { font-weight: 600; }
.diagram svg { max-width: 100%; height: auto; display: block; }
svg.ladder .lane-line { stroke: #94a3b8; stroke-width: 1.5; } svg.ladder .lane-line.gap { stroke: none; } svg.ladder .lane-line.unseen { stroke-dasharray: 4 4; }
svg.ladder .gap-band { fill: #f1f5f9; }
svg.ladder .seg { stroke-width: 2; } svg.ladder .seg.enc { stroke-width: 2.5; stroke-dasharray: 7 3; }
svg.ladder .outer { text-anchor: middle; font-size: 9.5px; fill: #475569; }
svg.ladder .t { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11px; } svg.ladder .since { fill: var(--muted); }
svg.ladder .rl { font-weight: 600; }
svg.ladder .err { fill: var(--warn); font-size: 10.5px; }
svg.ladder .x { stroke: var(--bad); stroke-width: 3; stroke-linecap: round; }
svg.ladder .lost-text { fill: var(--bad); font-weight: 700; paint-order: stroke; stroke: #fff; stroke-width: 4px; }
svg.ladder .bracket { fill: none; stroke: #7c3aed; stroke-width: 2; }
svg.tunnels .tedge path { fill: none; stroke: #475569; stroke-width: 1.8; } svg.tunnels .tedge text { font-size: 11px; text-anchor: middle; fill: #334155; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg.tunnels .tedge.anomaly path { stroke: var(--bad); } svg.tunnels .tedge.anomaly text { fill: var(--bad); font-weight: 600; }
svg.tunnels .tnode rect { fill: #eff6ff; stroke: #3b82f6; } svg.tunnels .tnode.anomaly rect { fill: #fef2f2; stroke: var(--bad); }
svg.tunnels .tnode text { text-anchor: middle; font: 600 12px ui-monospace, Menlo, Consolas, monospace; }
.controls { display: flex; gap: 10px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
.controls input, .controls select { font: inherit; padding: 4px 8px; border: 1px solid #cbd5e1; border-radius: 6px; }
.table-wrap { overflow-x: auto; } #flows { min-width: 900px; }
#flows th { cursor: pointer; user-select: none; white-space: nowrap; } #flows th[aria-sort=ascending]::after { content: " ▲"; } #flows th[aria-sort=descending]::after { content: " ▼"; }
td.num, th.num { text-align: right; }
details > summary { cursor: pointer; color: #1d4ed8; }
pre#json-text { max-height: 480px; overflow: auto; background: var(--soft); padding: 10px; border: 1px solid var(--line); }
@media print {
  main { max-width: none; padding: 0; } .controls, button, .noprint { display: none !important; }
  .diagram { overflow: visible; border: none; } .diagram svg { max-width: 100%; height: auto; }
  .flow, .finding { break-inside: avoid; } a { color: inherit; text-decoration: none; }
  .table-wrap { overflow: visible; } #flows { min-width: 0; }
}
`;
