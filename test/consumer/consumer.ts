// A library user's file, compiled by test/api.types.test.ts under the strictest options a
// consumer may use: the package's types must hold there.
import { createReadStream } from 'node:fs';
import {
  analyze,
  analyzeBuffer,
  analyzeFile,
  analyzeStream,
  analyzeText,
  type FlowReport,
  loadText,
  type Report,
  SCHEMA_VERSION,
  type Source,
  type Verdict,
} from 'overlay-analyzer';

const sources: Source[] = [
  { name: 'node-a', path: 'a.pcap', node: '192.168.232.130' },
  { name: 'node-b', stream: createReadStream('b.pcap') },
  { buffer: new Uint8Array(0) },
  { text: '' },
];

export async function use(): Promise<Verdict[]> {
  const controller = new AbortController();
  const r: Report = await analyze(sources, { replyTimeout: 2, signal: controller.signal, onFlow: (f: FlowReport) => void f.verdict });
  const first = r.flows[0];
  const verdict: Verdict | undefined = first?.verdict;
  await analyzeBuffer(Buffer.from([]), { name: 'x' });
  await analyzeStream(process.stdin, { name: 'live', listFlows: false });
  await analyzeText('', { maxListed: 10 });
  await analyzeFile('c.pcap');
  const { parseText } = await loadText();
  parseText('');
  const version: number = r.schemaVersion === SCHEMA_VERSION ? r.schemaVersion : 0;
  const partial: boolean = r.summary.partial;
  return verdict !== undefined && version > 0 && !partial ? [verdict] : [];
}
