/**
 * dsgrade's overhead over plain `go test`: grade the P0 reference with --jobs 1, and run the same
 * tests as direct `go test -count=1 -run '^Name$'` commands from a shell script in an assembled
 * tree. Both run with a warm build cache (one untimed warm-up each). Target: ratio ≤ 1.10.
 *
 * Like with like: the script runs the student's tests on each implementation as many times as the
 * manifest's `repeat` says (P0: 3), as dsgrade does. Those repeats are the grading policy (the
 * majority of runs decides, docs/manifest.md), not overhead; before this the baseline ran them
 * once, and the ratio (1.5-1.6) measured mostly the policy.
 */
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assembleTree } from '../src/go/worktree.js';
import { loadManifest } from '../src/manifest/load.js';
import { gradeSubmission } from '../src/pipeline/grade.js';

export interface OverheadResult {
  name: 'p0-overhead';
  dsgradeMs: number;
  directMs: number;
  ratio: number;
  tests: number;
}

export async function benchP0Overhead(): Promise<OverheadResult> {
  const project = await loadManifest('projects/p0-kvserver');
  const m = project.manifest;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-bench-'));
  try {
    // The direct baseline: the same tests, in the same tree, run by go test from bash.
    const handin = [
      { treePath: 'p0partA/server_impl.go', sourcePath: path.join(m.reference!, 'server_impl.go') },
      { treePath: 'p0partB/squarer_test.go', sourcePath: path.join(m.reference!, 'squarer_test.go') },
    ];
    const tree = await assembleTree(m, handin, tmp);
    const lines = ['set -u', `cd ${tree.moduleDir}`, 'go build ./...'];
    let tests = 0;
    // Scenarios have no plain go-test equivalent: both sides grade the go test suites only.
    const only = ['build'];
    for (const s of m.suites) {
      if (s.kind === 'gotest') {
        only.push(s.id);
        for (const t of s.tests) {
          tests++;
          lines.push(`go test${t.race ? ' -race' : ''} -count=1 -timeout=${t.timeoutSec}s -run '^${t.name}$' ./${s.package} >/dev/null || echo "FAIL ${t.name}"`);
        }
      } else if (s.kind === 'studenttests') {
        // Like dsgrade: the student's tests against the correct implementation and each buggy one.
        const impl = s.implFile;
        const times = `for i in $(seq ${s.repeat}); do`;
        lines.push(`cp ${impl} ${impl}.orig`);
        lines.push(`${times} go test -count=1 ./${s.package} >/dev/null || echo "FAIL ${s.id}/correct"; done`);
        for (const b of s.buggy) {
          lines.push(`cp ${b.file} ${impl} && ${times} go test -count=1 ./${s.package} >/dev/null && echo "MISSED ${s.id}/${b.name}"; done`);
        }
        lines.push(`cp ${impl}.orig ${impl}`);
        tests += (1 + s.buggy.length) * s.repeat;
        only.push(s.id);
      }
    }
    const script = path.join(tmp, 'direct.sh');
    await fs.writeFile(script, `${lines.join('\n')}\n`);
    const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=readonly', GOPROXY: 'off' };

    const timeDirect = async (): Promise<number> => {
      const t0 = performance.now();
      await execa('bash', [script], { env, stdio: 'inherit' });
      return performance.now() - t0;
    };
    const timeDsgrade = async (): Promise<number> => {
      const t0 = performance.now();
      await gradeSubmission({ project, submission: m.reference!, jobs: 1, seed: 1, only });
      return performance.now() - t0;
    };
    await timeDirect();
    await timeDsgrade();
    const directMs = await timeDirect();
    const dsgradeMs = await timeDsgrade();
    return { name: 'p0-overhead', dsgradeMs: Math.round(dsgradeMs), directMs: Math.round(directMs), ratio: Math.round((dsgradeMs / directMs) * 1000) / 1000, tests };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
