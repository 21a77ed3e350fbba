/**
 * A command run and measured for the benchmark: wall time here, peak RSS through /usr/bin/time
 * when present.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/**
 * Runs a command, stdout to `stdoutPath` (or /dev/null), and measures wall time here and, through
 * /usr/bin/time when present, its peak RSS. Resolves { seconds, maxRssKB, code, stderr }.
 */
export function timed(cmd, args, stdoutPath = '/dev/null', env = process.env) {
  return new Promise((res) => {
    const tmp = mkdtempSync(join(tmpdir(), 'bench-'));
    const timeFile = join(tmp, 'time');
    const [c, a] = TIME ? [TIME, ['-f', '%e %M', '-o', timeFile, cmd, ...args]] : [cmd, args];
    const out = createWriteStream(stdoutPath);
    out.on('open', () => {
      const t0 = process.hrtime.bigint();
      const child = spawn(c, a, { cwd: ROOT, env, stdio: ['ignore', out, 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => {
        if (stderr.length < 4000) stderr += d;
      });
      child.on('close', (code) => {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        out.close();
        let maxRssKB = null;
        if (TIME && existsSync(timeFile)) {
          const m = /(\d+(?:\.\d+)?) (\d+)\s*$/.exec(readFileSync(timeFile, 'utf8'));
          if (m) maxRssKB = Number(m[2]);
        }
        rmSync(tmp, { recursive: true, force: true });
        res({ seconds, maxRssKB, code, stderr });
      });
    });
  });
}
