/**
 * `--format html`: the report as one self-contained page (inline CSS, inline SVG, a little inline
 * script, the report's JSON embedded). It links to nothing outside itself and fetches nothing.
 */

import type { Report } from '../build.js';
import { clockWords } from '../text.js';
import { count } from '../words.js';
import { esc, scriptJson } from './escape.js';
import { ladderDefs } from './ladder-svg.js';
import { SCRIPT } from './script.js';
import { badge, clusterSection, findingsList, flowSection, flowsTable, inputsTable, nodesSection } from './sections.js';
import { CSS } from './style.js';
import { tunnelsSvg } from './tunnels-svg.js';

/** Flows drawn in full on the page: problems first (open), then healthy ones (folded), up to this many. */
export const MAX_DIAGRAMS = 200;

function tunnelsSection(r: Report): string {
  const rows = r.tunnels.flatMap((t) =>
    t.endpoints
      .slice(0, 200)
      .map(
        (e) =>
          `<tr><td>${esc(t.type)}${t.vni !== null ? ' vni ' + t.vni : ''}${t.port !== null ? ' udp ' + t.port : ''}</td><td class="mono">${esc(e.src)}</td><td class="mono">${esc(e.dst)}</td><td class="num">${e.packets.toLocaleString('en-US')}</td></tr>`,
      ),
  );
  const anomalies = r.anomalies.length
    ? `<h3>Anomalies</h3><ul>${r.anomalies.map((a) => `<li><b>${esc(a.kind)}</b>: ${esc(a.detail)}${a.next?.length ? `<pre class="cmds">${a.next.map(esc).join('\n')}</pre>` : ''}</li>`).join('')}</ul>`
    : '';
  return (
    `<div class="diagram">${tunnelsSvg(r.tunnels, r.anomalies)}</div>${anomalies}` +
    (rows.length
      ? `<details><summary>${esc(count(rows.length, 'endpoint pair'))}</summary><table><thead><tr><th>tunnel</th><th>outer source</th><th>outer destination</th><th class="num">packets</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`
      : '')
  );
}

export function renderHtml(r: Report): string {
  const s = r.summary;
  const problems = r.flows.filter((f) => f.verdict !== 'healthy');
  const drawn = r.flows.slice(0, MAX_DIAGRAMS);
  const diagrams = new Set(drawn.map((f) => f.id));
  const chips = Object.entries(s.verdicts)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `<span class="chip v-${v}">${n.toLocaleString('en-US')} ${esc(v)}</span>`)
    .join('');
  const offsets = r.clockOffsets
    .map(
      (o) =>
        `<li>clock of <span class="mono">${esc(o.b)}</span> minus clock of <span class="mono">${esc(o.a)}</span>: ${esc(clockWords(o))} (spread ${(o.spread * 1000).toFixed(3)} ms over ${esc(count(o.samples, 'packet'))} seen by both)</li>`,
    )
    .join('');
  const problemSections = drawn
    .filter((f) => f.verdict !== 'healthy')
    .map((f) => flowSection(f, true))
    .join('');
  const healthySections = drawn
    .filter((f) => f.verdict === 'healthy')
    .map((f) => flowSection(f, false))
    .join('');
  const notDrawn = problems.length - drawn.filter((f) => f.verdict !== 'healthy').length;
  const warnings = r.warnings.length ? `<h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>overlay-analyzer: ${esc(count(s.problems, 'problem flow'))} of ${esc(count(s.flows, 'flow'))}</title><style>${CSS}</style></head>
<body>${ladderDefs()}<main>
<h1>overlay-analyzer report</h1>
<p class="muted">${esc(count(s.flows, 'flow'))}, ${esc(count(s.packets, 'packet'))}, ${esc(count(s.icmpErrors, 'ICMP error'))}. Times are UTC.</p>
<div class="chips">${chips}</div>
${inputsTable(r)}${offsets ? `<ul class="muted">${offsets}</ul>` : ''}
<h2 id="findings">Findings <span class="muted">(largest first)</span></h2>${findingsList(r, diagrams)}
${nodesSection(r)}
${clusterSection(r)}
${problemSections ? `<h2 id="problems">Problem flows</h2><p class="muted">Each diagram has one lane per place a capture saw the flow, grouped by node along the path (the client's side, the underlay, the server's side), time going down; dashed arrows are encapsulated, a red cross marks where a packet was lost; a bracket and ↻ join the sendings of one packet (retransmissions).</p>${problemSections}` : ''}
${notDrawn > 0 ? `<p class="muted">${esc(count(notDrawn, 'more problem flow'))} not drawn here: see the table and the JSON.</p>` : ''}
<h2 id="tunnels">Tunnels</h2>${tunnelsSection(r)}
<h2 id="all-flows">All flows</h2>${flowsTable(r, diagrams)}
${healthySections ? `<h3 style="margin-top:18px">Healthy flows ${badge('healthy')}</h3>${healthySections}` : ''}
${warnings}
<h2>Data</h2><details id="json"><summary>the report as JSON (the same as --format json)</summary><p><button id="json-copy" type="button">copy</button></p><pre id="json-text"></pre></details>
<script type="application/json" id="report-data">${scriptJson(r)}</script>
</main><script>${SCRIPT}</script></body></html>
`;
}
