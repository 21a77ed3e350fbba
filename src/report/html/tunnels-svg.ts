/**
 * The tunnel inventory as a small picture: one box per underlay address, one arrow per direction
 * that carried encapsulated packets (tunnel, VNI, packet count), red where an anomaly names both
 * ends (or a box the anomaly names alone).
 */

import type { TunnelReport } from '../build.js';
import type { Anomaly } from '../types.js';
import { count } from '../words.js';
import { esc } from './escape.js';

const MAX_NODES = 12;
const W = 760;
const BOX_W = 150;
const BOX_H = 30;

interface Edge {
  src: string;
  dst: string;
  packets: number;
  label: string;
  anomaly: string | null;
}

function edges(tunnels: TunnelReport[], anomalies: Anomaly[]): Edge[] {
  const out = new Map<string, Edge>();
  for (const t of tunnels) {
    const name = `${t.type}${t.vni !== null ? ' vni ' + t.vni : ''}${t.port !== null ? ' udp ' + t.port : ''}`;
    for (const e of t.endpoints) {
      const k = `${e.src}>${e.dst}`;
      const prev = out.get(k);
      if (prev) {
        prev.packets += e.packets;
        if (!prev.label.includes(name)) prev.label += `, ${name}`;
        continue;
      }
      const a = anomalies.find((x) => mentions(x.detail, e.src) && mentions(x.detail, e.dst));
      out.set(k, { src: e.src, dst: e.dst, packets: e.packets, label: name, anomaly: a ? a.detail : null });
    }
  }
  return [...out.values()].sort((a, b) => b.packets - a.packets);
}

/** Whether an anomaly's words name this address (not a longer one it is a prefix of). */
function mentions(text: string, addr: string): boolean {
  const quoted = addr.replace(/[.]/g, '\\.');
  // An IPv4 address may be followed by ":port" or punctuation; an IPv6 one by nothing hex or ":".
  const re = addr.includes(':') ? `(?<![0-9a-fA-F:])${quoted}(?![0-9a-fA-F:])` : `(?<![\\d.])${quoted}(?!\\d|\\.\\d)`;
  return new RegExp(re).test(text);
}

export function tunnelsSvg(tunnels: TunnelReport[], anomalies: Anomaly[]): string {
  const all = edges(tunnels, anomalies);
  if (!all.length) return '<p class="muted">No encapsulated traffic in the inputs.</p>';
  const weight = new Map<string, number>();
  for (const e of all) for (const a of [e.src, e.dst]) weight.set(a, (weight.get(a) ?? 0) + e.packets);
  const nodes = [...weight.keys()]
    .sort((a, b) => weight.get(b)! - weight.get(a)!)
    .slice(0, MAX_NODES)
    .sort();
  const shown = all.filter((e) => nodes.includes(e.src) && nodes.includes(e.dst));
  const h = nodes.length <= 2 ? 200 : 420;
  const cx = W / 2;
  const cy = h / 2;
  const r = nodes.length <= 2 ? 250 : 160;
  const pos = new Map(
    nodes.map((a, i) => {
      const angle = nodes.length <= 2 ? Math.PI * (i === 0 ? 1 : 0) : (2 * Math.PI * i) / nodes.length - Math.PI / 2;
      return [a, { x: cx + r * Math.cos(angle), y: cy + r * Math.sin(angle) * (nodes.length <= 2 ? 0 : 1) }];
    }),
  );
  const parts: string[] = [];
  for (const e of shown) {
    const a = pos.get(e.src)!;
    const b = pos.get(e.dst)!;
    // Each direction bends to its own side, so a pair's two arrows do not overlap.
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    const nx = -dy / len;
    const ny = dx / len;
    const mx = (a.x + b.x) / 2 + nx * 36;
    const my = (a.y + b.y) / 2 + ny * 36;
    const trim = (p: { x: number; y: number }, toward: { x: number; y: number }) => {
      const l = Math.hypot(toward.x - p.x, toward.y - p.y) || 1;
      const k = Math.min(BOX_W / 2 / Math.max(Math.abs(toward.x - p.x) / l, 0.01), BOX_H / 2 / Math.max(Math.abs(toward.y - p.y) / l, 0.01)) + 4;
      return { x: p.x + ((toward.x - p.x) / l) * k, y: p.y + ((toward.y - p.y) / l) * k };
    };
    const s = trim(a, { x: mx, y: my });
    const t = trim(b, { x: mx, y: my });
    const cls = e.anomaly ? 'tedge anomaly' : 'tedge';
    parts.push(
      `<g class="${cls}" data-src="${esc(e.src)}" data-dst="${esc(e.dst)}"><path d="M${s.x.toFixed(1)} ${s.y.toFixed(1)}Q${mx.toFixed(1)} ${my.toFixed(1)} ${t.x.toFixed(1)} ${t.y.toFixed(1)}" marker-end="url(#tarrow${e.anomaly ? '-bad' : ''})"/>` +
        // The words go on the outer side of the bend, anchored away from the arrow on steep edges.
        `<text x="${((a.x + b.x) / 2 + nx * 30).toFixed(1)}" y="${((a.y + b.y) / 2 + ny * 34 + (ny > 0 ? 8 : 0)).toFixed(1)}"${nx > 0.3 ? ' style="text-anchor:start"' : nx < -0.3 ? ' style="text-anchor:end"' : ''}>${esc(`${e.label} · ${count(e.packets, 'packet')}`)}${e.anomaly ? ' ⚠' : ''}</text>` +
        `<title>${esc(`${e.src} > ${e.dst}: ${count(e.packets, 'packet')} (${e.label})${e.anomaly ? '\n' + e.anomaly : ''}`)}</title></g>`,
    );
  }
  for (const a of nodes) {
    const p = pos.get(a)!;
    const alone = anomalies.find((x) => mentions(x.detail, a) && !shown.some((e) => e.anomaly === x.detail));
    parts.push(
      `<g class="tnode${alone ? ' anomaly' : ''}"><rect x="${p.x - BOX_W / 2}" y="${p.y - BOX_H / 2}" width="${BOX_W}" height="${BOX_H}" rx="6"/>` +
        `<text x="${p.x}" y="${p.y + 5}">${esc(a)}</text>${alone ? `<title>${esc(alone.detail)}</title>` : ''}</g>`,
    );
  }
  const more =
    weight.size > nodes.length
      ? `<p class="muted">${count(weight.size - nodes.length, 'other address')} not drawn (the ${nodes.length} busiest are); the table below and the JSON list every endpoint.</p>`
      : '';
  const defs =
    '<defs><marker id="tarrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z" fill="#475569"/></marker>' +
    '<marker id="tarrow-bad" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z" fill="#dc2626"/></marker></defs>';
  return `<svg class="tunnels" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" aria-label="tunnel endpoints">${defs}${parts.join('')}</svg>${more}`;
}
