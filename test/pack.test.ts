/**
 * The package as npm ships it: packed, installed from the tarball into a fresh project, then
 * used as ESM, from TypeScript (strict consumer), from CommonJS (works on Node 20.19+; with
 * require(esm) switched off, a clear message), and as the `analyze` command.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const capture = `${root}samples/lab/blocked-8472.nodeb-any.pcap`;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
let dir = '';
let files: string[] = [];

function node(args: string[]) {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', root], { stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'oa-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' })) as {
    filename: string;
    files: { path: string }[];
  }[];
  files = packed[0]!.files.map((f) => f.path);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // Dependencies from npm's cache where it has them (npm ci fills it), else from the registry.
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, packed[0]!.filename)], {
    cwd: dir,
    stdio: 'pipe',
  });
}, 120_000);

describe('npm pack, then install in a fresh project', () => {
  it('ships the LICENSE, the schema, the CommonJS shim, and no source map that does not carry its sources', () => {
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.js',
      'dist/index.d.ts',
      'cjs/index.cjs',
      'schema/report.schema.json',
      'bin/analyze.js',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    const installed = join(dir, 'node_modules/overlay-analyzer/dist');
    const maps = readdirSync(installed, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(10);
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(installed, m), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
      expect(map.sourcesContent?.length, m).toBe(map.sources.length);
    }
  });

  it('ESM import', () => {
    writeFileSync(
      join(dir, 'esm.mjs'),
      `import { analyzeFile } from 'overlay-analyzer';\nconst r = await analyzeFile(${JSON.stringify(capture)});\nconsole.log(r.schemaVersion, r.summary.flows, r.summary.problems);\n`,
    );
    expect(node(['esm.mjs'])).toEqual({ code: 0, out: '1 4 2\n', err: '' });
  });

  it('CommonJS require: works where Node requires ES modules, a clear message where it cannot', () => {
    writeFileSync(
      join(dir, 'cjs.cjs'),
      `const { analyzeFile } = require('overlay-analyzer');\nanalyzeFile(${JSON.stringify(capture)}).then((r) => console.log(r.summary.flows));\n`,
    );
    expect(node(['cjs.cjs'])).toMatchObject({ code: 0, out: '4\n' });
    const off = node(['--no-experimental-require-module', 'cjs.cjs']);
    expect(off.code).toBe(1);
    expect(off.err).toContain('overlay-analyzer is an ES module: load it with `const oa = await import("overlay-analyzer")`');
    expect(off.err).not.toContain('No "exports" main defined');
  });

  it('TypeScript: a strict consumer compiles against the installed types', () => {
    cpSync(`${root}test/consumer/consumer.ts`, join(dir, 'consumer.ts'));
    const config = JSON.parse(readFileSync(`${root}test/consumer/tsconfig.json`, 'utf8'));
    config.compilerOptions.typeRoots = [`${root}node_modules/@types`];
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
    const r = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', dir], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);

  it('the analyze command', () => {
    const bin = join(dir, 'node_modules/.bin/analyze');
    expect(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout).toBe(`${pkg.version}\n`);
    const r = spawnSync(bin, [capture], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Verdicts: 2 healthy, 2 request-only;');
  });
});
