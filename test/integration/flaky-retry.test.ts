/**
 * Retry rules and `dsgrade flaky` with real go tests whose outcome changes from attempt to attempt:
 * the fixture (written to a temp folder) keeps state in marker files in a shared folder, so a test
 * can fail once and then pass, or alternate.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flakyCommand } from '../../src/commands/flaky.js';
import { regress } from '../../src/regress/regress.js';
import { loadManifest, type LoadedManifest } from '../../src/manifest/load.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { toGradescopeResults } from '../../src/report/gradescope-results.js';

let tmp: string;
let state: string;
let project: LoadedManifest;

const TESTS = (dir: string) => `package flip

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// count creates one more file in dir/name and returns how many there were before.
func count(t *testing.T, name string) int {
	d := filepath.Join(${JSON.stringify(dir)}, name)
	_ = os.MkdirAll(d, 0o777)
	_ = os.Chmod(d, 0o777)
	entries, err := os.ReadDir(d)
	if err != nil {
		t.Fatalf("state folder: %v", err)
	}
	n := len(entries)
	if err := os.WriteFile(filepath.Join(d, fmt.Sprint(n)), nil, 0o666); err != nil {
		t.Fatalf("state file: %v", err)
	}
	return n
}

func TestFailsOnce(t *testing.T) {
	if count(t, "once") == 0 {
		t.Fatal("first run fails")
	}
}

func TestAlwaysFails(t *testing.T) {
	count(t, "always")
	t.Fatal("always fails")
}

func TestAlternates(t *testing.T) {
	if count(t, "alt")%2 == 1 {
		t.Fatal("odd run fails")
	}
}

// TestSeedParity's outcome is decided by its seed alone: it fails exactly on odd seeds.
func TestSeedParity(t *testing.T) {
	seed := os.Getenv("DSGRADE_SEED")
	if seed == "" || seed != os.Getenv("FLIP_SEED") {
		t.Fatalf("seed variables differ: DSGRADE_SEED=%q FLIP_SEED=%q", seed, os.Getenv("FLIP_SEED"))
	}
	if (seed[len(seed)-1]-'0')%2 == 1 {
		t.Fatalf("odd seed %s", seed)
	}
}

func TestStable(t *testing.T) {
	if Value() != 1 {
		t.Fatal("wrong value")
	}
}
`;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-flaky-it-'));
  state = path.join(tmp, 'state');
  await fs.mkdir(state, { recursive: true });
  await fs.chmod(tmp, 0o755);
  await fs.chmod(state, 0o777);
  const proj = path.join(tmp, 'proj');
  await fs.mkdir(path.join(proj, 'starter', 'flip'), { recursive: true });
  await fs.mkdir(path.join(proj, 'staff', 'flip'), { recursive: true });
  await fs.mkdir(path.join(proj, 'reference'), { recursive: true });
  await fs.writeFile(path.join(proj, 'starter', 'go.mod'), 'module example.com/flip\n\ngo 1.21\n');
  await fs.writeFile(path.join(proj, 'starter', 'flip', 'flip.go'), 'package flip\n\nfunc Value() int { return 0 }\n');
  await fs.writeFile(path.join(proj, 'reference', 'flip.go'), 'package flip\n\nfunc Value() int { return 1 }\n');
  await fs.writeFile(path.join(proj, 'staff', 'flip', 'flip_test.go'), TESTS(state));
  await fs.writeFile(
    path.join(proj, 'dsgrade.json'),
    JSON.stringify({
      name: 'flip',
      title: 'Flaky fixture',
      go: { moduleRoot: '.', module: 'example.com/flip' },
      starter: 'starter',
      staff: 'staff',
      handin: [{ path: 'flip/flip.go' }],
      reference: 'reference',
      suites: [
        {
          id: 'flip',
          kind: 'gotest',
          package: 'flip',
          timeoutSec: 30,
          retry: { count: 2, policy: 'any' },
          tests: [
            { name: 'TestFailsOnce', points: 1, retry: { count: 1, policy: 'all' } },
            { name: 'TestAlwaysFails', points: 1 },
            { name: 'TestAlternates', points: 1 },
            { name: 'TestStable', points: 1 },
          ],
        },
        // No retry rule here: the six runs alone decide.
        { id: 'seeded', kind: 'gotest', package: 'flip', seedEnv: 'FLIP_SEED', timeoutSec: 30, tests: [{ name: 'TestSeedParity', points: 6, runs: 6, passRule: 'rate' }] },
      ],
    }),
  );
  project = await loadManifest(proj);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('retry rules', () => {
  it('reruns failed tests, decides by the policy, and tells the student', async () => {
    const report = await gradeSubmission({ project, submission: path.join(project.manifest.dir, 'reference'), only: ['flip/TestFailsOnce', 'flip/TestAlwaysFails'], seed: 1, workRoot: tmp });
    const once = report.tests.find((t) => t.id === 'flip/TestFailsOnce')!;
    expect(once.verdict).toBe('passed');
    expect(once.score).toBe(1);
    expect(once.flaky).toBe(true);
    expect(once.attempts.map((a) => a.verdict)).toEqual(['failed', 'passed']);
    expect(once.output).toMatch(/^Retried: this test did not pass on its first run, so dsgrade reran it 1 time \(policy "all": every rerun must pass\)\. It passed 1 of 1 rerun, so it counts as passed\./);
    const always = report.tests.find((t) => t.id === 'flip/TestAlwaysFails')!;
    expect(always.verdict).toBe('failed');
    expect(always.attempts).toHaveLength(3);
    expect(always.summary).toMatch(/\(and passed 0\/2 reruns, policy any\)$/);
    const gs = toGradescopeResults(report, { testOutputBytes: 8192 });
    expect(gs.tests!.find((t) => t.name === 'TestFailsOnce')!.output).toMatch(/Retried: /);
  });
});

describe('pass-rate grading (runs + passRule)', () => {
  it('gives each run its own seed, scores points × pass rate, and names every failing seed with the command that reruns it', async () => {
    const report = await gradeSubmission({ project, submission: path.join(project.manifest.dir, 'reference'), only: ['seeded/TestSeedParity'], seed: 5, workRoot: tmp });
    const t = report.tests.find((x) => x.id === 'seeded/TestSeedParity')!;
    // On a loaded machine a run may be voided by overload: it is redone with its own seed, and is no run.
    const counted = t.attempts.filter((a) => !a.voided);
    const seeds = counted.map((a) => a.seed!);
    expect(seeds).toHaveLength(6);
    expect(new Set(seeds).size).toBe(6);
    for (const v of t.attempts.filter((a) => a.voided)) expect(seeds).toContain(v.seed);
    const odd = seeds.filter((s) => s % 2 === 1);
    // Seed 5 gives both parities (the seeds are a pure function of it), so both paths are checked.
    expect(odd.length).toBeGreaterThan(0);
    expect(odd.length).toBeLessThan(6);
    // The verdict of each run is its seed's parity: the seed reached the process, in both variables.
    expect(counted.map((a) => a.verdict)).toEqual(seeds.map((s) => (s % 2 === 1 ? 'failed' : 'passed')));
    expect(t.score).toBe(Math.round(((6 * (6 - odd.length)) / 6) * 100) / 100);
    expect(t.runs).toMatchObject({ counted: 6, passed: 6 - odd.length, failed: odd.length, rule: 'points × the share of passing runs', replays: 'the same seed' });
    expect(t.runs!.failing.map((f) => f.seed)).toEqual(odd);
    expect(t.summary).toContain(`passed ${6 - odd.length} of 6 runs (failing seed`);
    expect(t.runs!.failing[0]!.rerun).toBe(`DSGRADE_SEED=${odd[0]} FLIP_SEED=${odd[0]} go test -count=1 -run '^TestSeedParity$' ./flip`);
    expect(t.output).toContain(`reruns with the same seed — not the same goroutine interleaving, so it may pass — in the module folder with the staff tests: ${t.runs!.failing[0]!.rerun}`);
    // The same grade seed gives every run the same seed again.
    const again = await gradeSubmission({ project, submission: path.join(project.manifest.dir, 'reference'), only: ['seeded/TestSeedParity'], seed: 5, workRoot: tmp });
    expect(again.tests[0]!.attempts.filter((a) => !a.voided).map((a) => a.seed)).toEqual(seeds);
  });
});

describe('dsgrade flaky', () => {
  it('reports pass rates and the seeds of failing runs, and exits 1 on a flaky test', async () => {
    let out = '';
    let err = '';
    const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) } } as never;
    const code = await flakyCommand({ submission: path.join(project.manifest.dir, 'reference'), project: project.manifest.dir, runs: 4, seed: 100, only: ['flip/TestAlternates', 'flip/TestStable'], io });
    expect(code).toBe(1);
    expect(err).toMatch(/run 2\/4 {2}seed 101 {2}1\/2 {2}did not pass: flip\/TestAlternates/);
    expect(out).toMatch(/flip\/TestAlternates +50% +2\/4 +2\/4 +FLAKY +101 103 +\(/);
    expect(out).toMatch(/flip\/TestStable +100% +4\/4 +4\/4 +STABLE/);
    // The reference is the project's: a failing run is a staff bug.
    expect(out).toMatch(/STAFF BUG: flip\/TestAlternates failed in 2 of 4 runs/);
    expect(out).not.toMatch(/STAFF BUG: flip\/TestStable/);
    expect(out).toMatch(/Seeds: 100, 101, 102, 103/);
    expect(out).toMatch(/Rerun one failing run: dsgrade grade .* --only flip\/TestAlternates --seed 101/);
  });
});

describe('regress --stability', () => {
  it('grades the reference several times and names the tests that are not stable', async () => {
    const rows = await regress({ project, mutants: [], seed: 7, stabilityRuns: 2 });
    const st = rows.find((r) => r.name === 'reference ×2 (stability)')!;
    expect(st.ok).toBe(false);
    const ids = st.notable.map((n) => n.id);
    expect(ids).toContain('flip/TestAlwaysFails');
    expect(ids).toContain('flip/TestAlternates');
    expect(ids).not.toContain('flip/TestStable');
    expect(st.notable.find((n) => n.id === 'flip/TestAlternates')!.verdict).toBe('flaky');
  });
});
