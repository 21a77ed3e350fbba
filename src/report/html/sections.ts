/**
 * The page's parts that are lists and tables: what was read, the findings, which node each input
 * was captured on and from what evidence (flows/identity.ts), with --kube the capture checked
 * against the cluster's description (kube/checks.ts) and its names, one problem flow with its
 * ladder, and the table of all flows.
 */
import type { Verdict } from '../../classifier/index.js';
import type { FlowReport, Report } from '../build.js';
import { endpointText, inputNodes, tunnelText } from '../flow-words.js';
import { ladderOf } from '../ladder.js';
import { natText } from '../nat.js';
import { count, LOCUS_WORDS, plainPlace, utcTime } from '../words.js';
import { esc } from './escape.js';
import { ladderSvg } from './ladder-svg.js';

/** Findings shown whole, with explanation and commands; the rest are rows of a folded table. */
const MAX_FINDING_CARDS = 10;
/** Node clues shown per input before the rest are folded; cluster names listed. */
const MAX_CLUES = 6;
const MAX_NAMES = 200;

export function badge(v: Verdict): string {
  return `<span class="badge v-${v}">${esc(v)}</span>`;
}

/** Each input with the node (tunnel address) its capture shows, gathered from the flows' capture points. */
export function inputsTable(r: Report): string {
  const nodes = inputNodes(r);
  const rows = r.inputs.map(
    (i) =>
      `<tr><td class="mono">${esc(i.name)}</td><td>${esc(i.format)}</td><td class="num">${i.packets.toLocaleString('en-US')}</td>` +
      `<td class="mono">${esc((nodes.get(i.name) ?? []).join(', ') || '—')}</td><td>${i.error ? `<span class="v-filtered">${esc(i.error)}</span>` : ''}</td></tr>`,
  );
  return `<table class="inputs"><thead><tr><th>input</th><th>format</th><th class="num">packets</th><th>node (tunnel address)</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function findingsList(r: Report, diagrams: Set<number>): string {
  if (!r.findings.length) return '<p>No problems found: every flow is healthy.</p>';
  const sorted = [...r.findings].sort((a, b) => b.count - a.count);
  const rest = sorted.slice(MAX_FINDING_CARDS).map(
    (f) =>
      `<tr><td class="num">${f.count.toLocaleString('en-US')}</td><td>${badge(f.verdict)}</td><td>${esc(f.summary)}</td>` +
      `<td>${f.locus ? esc(LOCUS_WORDS[f.locus]) : ''}</td><td>${f.flows
        .slice(0, 5)
        .map((id) => (diagrams.has(id) ? `<a href="#flow-${id}">#${id}</a>` : `#${id}`))
        .join(' ')}</td></tr>`,
  );
  const more = rest.length
    ? `<details><summary>${esc(count(rest.length, 'more finding'))} (${esc(
        count(
          sorted.slice(MAX_FINDING_CARDS).reduce((a, f) => a + f.count, 0),
          'flow',
        ),
      )})</summary>` +
      `<table><thead><tr><th class="num">flows</th><th>verdict</th><th>finding</th><th>where</th><th>first flows</th></tr></thead><tbody>${rest.join('')}</tbody></table></details>`
    : '';
  return (
    sorted
      .slice(0, MAX_FINDING_CARDS)
      .map((f) => {
        const links = f.flows
          .slice(0, 12)
          .map((id) => (diagrams.has(id) ? `<a href="#flow-${id}">#${id}</a>` : `#${id}`))
          .join(' ');
        const tail = f.count > 12 ? ` and ${(f.count - 12).toLocaleString('en-US')} more` : '';
        return (
          `<div class="finding"><span class="count">${esc(count(f.count, 'flow'))}</span><h3>${badge(f.verdict)} ${esc(f.summary)}</h3>` +
          `${f.locus ? `<p><b>Where:</b> ${esc(LOCUS_WORDS[f.locus])}${f.locusDetail ? ` — ${esc(f.locusDetail)}` : ''}</p>` : ''}<p>${esc(f.explanation)}</p>` +
          `${f.next.length ? `<pre class="cmds">${f.next.map((n) => esc(n)).join('\n')}</pre>` : ''}<p class="muted">flows: ${links}${esc(tail)}</p></div>`
        );
      })
      .join('') + more
  );
}

/** One flow: what it is, why, the ladder, the packets lost and the evidence. */
export function flowSection(f: FlowReport, open: boolean): string {
  const ladder = ladderOf(f);
  const lost = f.lost.length
    ? `<ul class="lost-list">${f.lost
        .slice(0, 20)
        .map((l) => `<li>${esc(l.detail)}</li>`)
        .join('')}${f.lost.length > 20 ? `<li>${f.lost.length - 20} more</li>` : ''}</ul>`
    : '';
  const evidence = f.evidence
    .map(
      (e) =>
        `<tr><td class="mono">${esc(utcTime(e.ts))}</td><td class="mono">${esc(e.line !== null ? `${e.input}:${e.line}` : `${e.input} #${e.no}`)}</td>` +
        `<td class="mono">${esc(e.what)}</td><td>${esc(plainPlace(e.where))}${e.attribution ? ` (${esc(e.attribution)})` : ''}</td></tr>`,
    )
    .join('');
  const body =
    `<p>${esc(f.explanation)}</p>${f.locusDetail ? `<p><b>Where it broke:</b> ${esc(f.locus ? LOCUS_WORDS[f.locus] : '')} — ${esc(f.locusDetail)}</p>` : ''}` +
    `<div class="diagram">${ladderSvg(ladder, f.id)}</div>${ladder.note ? `<p class="muted">${esc(ladder.note)}.</p>` : ''}${lost}` +
    `${f.next.length ? `<pre class="cmds">${f.next.map((n) => esc(n)).join('\n')}</pre>` : ''}` +
    `<details><summary>evidence (${esc(count(f.evidence.length, 'packet'))}, times in UTC)</summary><table><thead><tr><th>time</th><th>where read</th><th>packet</th><th>seen at</th></tr></thead><tbody>${evidence}</tbody></table></details>`;
  const head = `${badge(f.verdict)} <span class="mono">#${f.id} ${f.proto} ${esc(natText(f) ?? endpointText(f))}</span> <span class="muted">${esc(tunnelText(f))} · ${esc(count(f.requests, 'request'))}, ${f.answered} answered</span>`;
  return open
    ? `<section class="flow" id="flow-${f.id}" data-verdict="${f.verdict}"><h3>${head}</h3>${body}</section>`
    : `<details class="flow" id="flow-${f.id}" data-verdict="${f.verdict}"><summary>${head}</summary>${body}</details>`;
}

export function flowsTable(r: Report, diagrams: Set<number>): string {
  const verdicts = Object.entries(r.summary.verdicts)
    .filter(([, n]) => n > 0)
    .map(([v]) => `<option value="${v}">${v}</option>`)
    .join('');
  const rows = r.flows.map((f) => {
    const text = [f.client, f.server, f.clientPort, f.serverPort, f.proto, ...(f.tunnel?.endpoints.flatMap((e) => [e.src, e.dst]) ?? [])]
      .filter((x) => x !== null)
      .join(' ')
      .toLowerCase();
    return (
      `<tr data-verdict="${f.verdict}" data-text="${esc(text)}"><td class="num" data-sort="${f.id}">${diagrams.has(f.id) ? `<a href="#flow-${f.id}">#${f.id}</a>` : `#${f.id}`}</td>` +
      `<td>${badge(f.verdict)}</td><td>${f.proto}</td><td class="mono">${esc(f.client)}${f.clientPort !== null ? ':' + f.clientPort : ''}</td>` +
      `<td class="mono">${esc(f.server)}${f.serverPort !== null ? ':' + f.serverPort : ''}</td><td>${esc(tunnelText(f))}</td>` +
      `<td class="num">${f.requests}</td><td class="num">${f.answered}</td><td class="mono" data-sort="${f.firstSeen ?? 0}">${esc(utcTime(f.firstSeen))}</td></tr>`
    );
  });
  const unlisted = r.summary.flows - r.flows.length;
  return (
    `<div class="controls"><label>verdict <select id="f-verdict"><option value="">all</option>${verdicts}</select></label>` +
    `<label>address or port <input id="f-text" type="search" placeholder="10.244.2.2"></label><span id="f-shown" class="muted"></span></div>` +
    `<div class="table-wrap"><table id="flows"><thead><tr><th class="num">id</th><th>verdict</th><th>proto</th><th>client</th><th>server</th><th>tunnel</th><th class="num">requests</th><th class="num">answered</th><th>first seen (UTC)</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>` +
    (unlisted > 0 ? `<p class="muted">${esc(count(unlisted, 'more flow'))} counted but not listed (--max-listed).</p>` : '')
  );
}

/** An input's node in words: its name (--node or the description), and its own addresses. */
function nodeLabel(r: Report, i: number): string {
  const input = r.inputs[i]!;
  const name = r.cluster?.nodes[i] ?? input.node ?? null;
  const addrs = (input.nodeAddresses ?? []).filter((a) => a !== name);
  if (name) return `${esc(name)}${addrs.length ? ` <span class="mono muted">(${esc(addrs.join(', '))})</span>` : ''}`;
  return addrs.length ? `<span class="mono">${esc(addrs.join(', '))}</span>` : '<span class="muted">not known from this capture</span>';
}

function clueList(clues: { address: string; clue: string }[]): string {
  const li = (c: { address: string; clue: string }) => `<li><span class="mono">${esc(c.address)}</span>: ${esc(c.clue)}</li>`;
  const rest = clues.slice(MAX_CLUES);
  return (
    `<ul class="clues">${clues.slice(0, MAX_CLUES).map(li).join('')}</ul>` +
    (rest.length ? `<details><summary>${esc(count(rest.length, 'more clue'))}</summary><ul class="clues">${rest.map(li).join('')}</ul></details>` : '')
  );
}

/** Each input's node, and the clues it was told by. */
export function nodesSection(r: Report): string {
  const cards = r.inputs.map((input, i) => {
    const clues = input.nodeEvidence ?? [];
    const body = input.error
      ? `<p class="v-filtered">${esc(input.error)}</p>`
      : clues.length
        ? clueList(clues)
        : '<p class="muted">The capture gives no clue to its node: give it with --node FILE=NAME_OR_ADDRESS.</p>';
    return `<div class="node-card" data-input="${esc(input.name)}"><h3><span class="mono">${esc(input.name)}</span> — ${nodeLabel(r, i)}</h3>${body}</div>`;
  });
  return `<h2 id="nodes">Which node each capture is</h2><div class="node-cards">${cards.join('')}</div>`;
}

/** With --kube: the cluster's description against the capture, then the names it gives. */
export function clusterSection(r: Report): string {
  const c = r.cluster;
  if (!c) return '';
  const findings = c.findings.length
    ? c.findings
        .map(
          (f) =>
            `<div class="finding cluster-finding" data-check="${esc(f.check)}"><h3><span class="badge v-filtered">${esc(f.check)}</span> ${esc(f.title)}</h3>` +
            `<p>${esc(f.detail)}</p>${f.next.length ? `<pre class="cmds">${f.next.map(esc).join('\n')}</pre>` : ''}</div>`,
        )
        .join('')
    : '<p>The capture agrees with the description: no node sends to an address that is no node, from another MAC, VNI or port than its own.</p>';
  const named = Object.entries(c.names);
  const rows = named
    .slice(0, MAX_NAMES)
    .map(
      ([a, n]) =>
        `<tr><td class="mono">${esc(a)}</td><td>${esc(n.name + (n.endpointOf ? `, endpoint of ${n.endpointOf.join(', ')}` : ''))}</td><td>${esc(n.node ?? '')}</td></tr>`,
    )
    .join('');
  const names = named.length
    ? `<details><summary>${esc(count(named.length, 'address'))} named by the description</summary><table class="names"><thead><tr><th>address</th><th>name</th><th>on node</th></tr></thead><tbody>${rows}</tbody></table>${named.length > MAX_NAMES ? `<p class="muted">${esc(count(named.length - MAX_NAMES, 'more'))} in the JSON.</p>` : ''}</details>`
    : '';
  return `<h2 id="cluster">The cluster's description (--kube) <span class="muted">(${esc(count(c.findings.length, 'disagreement'))} with the capture)</span></h2>${findings}${names}`;
}
