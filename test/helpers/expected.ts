/** The expected verdicts of a samples folder's captures (its expected.tsv: one flow per row). */
import { existsSync, readFileSync } from 'node:fs';

export interface Expected {
  file: string;
  proto: string;
  client: string;
  server: string;
  serverPort: number | null;
  verdict: string;
  note: string;
}

export function expectations(path: string): Expected[] {
  if (!existsSync(path)) return [];
  const [, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [file, proto, client, server, serverPort, verdict, note] = row.split('\t');
    return {
      file: file!,
      proto: proto!,
      client: client!,
      server: server!,
      serverPort: serverPort ? Number(serverPort) : null,
      verdict: verdict!,
      note: note ?? '',
    };
  });
}
