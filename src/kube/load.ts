/**
 * Reads the cluster's own description: what `kubectl get nodes,pods,svc -o yaml` (or `-o json`)
 * prints, a `List` or single objects, several documents and kinds in one file, or a directory of
 * such files. YAML (and JSON, a subset of it) is parsed by the `yaml` package; every object keeps
 * the file and line it came from, so a wrong one is named where it is.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml';

/** The kinds read; a List's items are read one by one. */
export const KINDS = ['Node', 'Pod', 'Service', 'Endpoints', 'EndpointSlice'] as const;
export type Kind = (typeof KINDS)[number];

/** One object of the description, with where it was written. */
export interface KubeObject {
  kind: Kind;
  body: Record<string, unknown>;
  file: string;
  line: number;
}

/** Bad input: a one-line message naming the file and line. */
export class KubeError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line !== null ? `: line ${line}` : ''}: ${reason}`);
    this.name = 'KubeError';
  }
}

const FILE = /\.(ya?ml|json)$/i;

/** Every object of the given files and directories (a directory: its .yaml, .yml and .json files, in name order). */
export async function loadKube(paths: string[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const p of paths) {
    const st = await fs.stat(p).catch(() => null);
    if (!st) throw new KubeError(p, null, 'no such file or directory');
    const files = st.isDirectory()
      ? (await fs.readdir(p))
          .filter((f) => FILE.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p];
    if (st.isDirectory() && files.length === 0) throw new KubeError(p, null, 'no .yaml, .yml or .json file in this directory');
    for (const f of files) out.push(...parseKube(await fs.readFile(f, 'utf8'), f));
  }
  return out;
}

/** The objects of one file's text. */
export function parseKube(text: string, file: string): KubeObject[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const out: KubeObject[] = [];
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lines.linePos(offset).line);
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const err = doc.errors[0];
    if (err) throw new KubeError(file, lineOf(err.pos[0]), `not YAML or JSON: ${err.message.split('\n')[0]}`);
    if (doc.contents === null) continue;
    take(doc.contents as YamlNode, doc.toJS() as unknown, file, lineOf, out);
  }
  if (out.length === 0) throw new KubeError(file, null, `no Kubernetes object (expected the output of kubectl get nodes,pods,svc -o yaml or -o json)`);
  return out;
}

function take(node: YamlNode, value: unknown, file: string, lineOf: (o: number | undefined) => number, out: KubeObject[]): void {
  const line = lineOf(node.range?.[0]);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isMap(node)) {
    throw new KubeError(file, line, 'expected a Kubernetes object (a map with kind and metadata)');
  }
  const body = value as Record<string, unknown>;
  const kind = body.kind;
  if (typeof kind === 'string' && kind.endsWith('List')) {
    const items = node.get('items', true);
    if (!Array.isArray(body.items) || !isSeq(items)) throw new KubeError(file, line, `${kind} without items`);
    body.items.forEach((item, k) => {
      take(items.items[k] as YamlNode, item, file, lineOf, out);
    });
    return;
  }
  if (typeof kind !== 'string') throw new KubeError(file, line, 'an object without kind');
  if (!(KINDS as readonly string[]).includes(kind)) throw new KubeError(file, line, `kind ${kind} is not read: give ${KINDS.join(', ')} or a List of them`);
  out.push({ kind: kind as Kind, body, file, line });
}
