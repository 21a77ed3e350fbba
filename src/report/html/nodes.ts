/**
 * The page's node and cluster sections: which node each input was captured on and from what
 * evidence (flows/identity.ts), and, with --kube, the capture checked against the cluster's
 * description (kube/checks.ts) and the names it gives.
 */
import type { Report } from '../types.js';
import { count } from '../words.js';
import { esc } from './escape.js';

/** Clues shown per input before the rest are folded. */
const MAX_CLUES = 6;
const MAX_NAMES = 200;

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
    .map(([a, n]) => `<tr><td class="mono">${esc(a)}</td><td>${esc(n.name)}</td><td>${esc(n.node ?? '')}</td></tr>`)
    .join('');
  const names = named.length
    ? `<details><summary>${esc(count(named.length, 'address'))} named by the description</summary><table class="names"><thead><tr><th>address</th><th>name</th><th>on node</th></tr></thead><tbody>${rows}</tbody></table>${named.length > MAX_NAMES ? `<p class="muted">${esc(count(named.length - MAX_NAMES, 'more'))} in the JSON.</p>` : ''}</details>`
    : '';
  return `<h2 id="cluster">The cluster's description (--kube) <span class="muted">(${esc(count(c.findings.length, 'disagreement'))} with the capture)</span></h2>${findings}${names}`;
}
