/**
 * `kill -INT` of dsgrade in the middle of a scenario: every process it started (the fault proxy and
 * every node) must be gone. Runs the built CLI (`npm run build` first) as a real child process.
 */
import { execa } from 'execa';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROJECT = 'test/fixtures/scenario/echo';
let tmp: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-scenario-int-'));
  await execa('npm', ['run', 'build'], { stdio: 'ignore' });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie waiting for its (new) parent to reap it is dead for our purposes.
  return !/^\d+ \(.*\) Z/.test(readStat(pid));
}
function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}

interface Pids {
  faultnet: number | null;
  nodes: Record<string, number[]>;
}

describe('interrupting dsgrade mid-scenario', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: no proxy or node process survives`, async () => {
      const art = path.join(tmp, signal);
      const child = execa('node', ['bin/dsgrade.js', 'grade', `${PROJECT}/reference`, '--project', PROJECT, '--only', 'echo/long', '--artifacts', art, '--seed', '5'], { reject: false });
      const pidsFile = path.join(art, 'echo', 'long', 'pids.json');
      let pids: Pids | undefined;
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        try {
          const p = JSON.parse(await fs.readFile(pidsFile, 'utf8')) as Pids;
          if (p.faultnet && ['server', 'c1', 'c2'].every((n) => (p.nodes[n]?.length ?? 0) > 0)) {
            pids = p;
            break;
          }
        } catch {
          // not written yet
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(pids, 'the scenario never got all its nodes started').toBeDefined();
      await new Promise((r) => setTimeout(r, 500)); // mid-scenario: the 60 s sleep step
      const all = [pids!.faultnet!, ...Object.values(pids!.nodes).flat()];
      expect(all.every(alive)).toBe(true);
      child.kill(signal);
      const result = await child;
      expect(result.exitCode).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(result.stderr).toMatch(new RegExp(`${signal}: stopped \\d+ process group`));
      // dsgrade sends SIGKILL and exits; a killed process dies when the kernel next runs it, which
      // on a loaded machine is not within a fixed 200 ms. Wait for that (the nodes would otherwise
      // run for the scenario's 60 s), then require every one gone.
      const gone = Date.now() + 10_000;
      while (all.some(alive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 20));
      expect(all.filter(alive)).toEqual([]);
    });
  }
});
