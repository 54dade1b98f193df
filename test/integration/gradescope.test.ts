/**
 * `dsgrade gradescope` in a Gradescope-shaped folder: results.json is always written and always
 * valid — for a graded submission, when the time budget runs out, and when dsgrade itself fails.
 */
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runGradescope } from '../../src/gradescope/run.js';
import { loadManifest } from '../../src/manifest/load.js';
import { planItems } from '../../src/pipeline/planned-items.js';
import { validateGradescopeResults, type GradescopeResults } from '../../src/report/gradescope-results.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

const PROJECT = path.resolve('projects/p0-kvserver');
let root: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-gs-'));
  await fs.mkdir(path.join(root, 'submission'), { recursive: true });
  for (const f of ['server_impl.go', 'squarer_test.go']) await fs.copyFile(path.join(PROJECT, 'reference', f), path.join(root, 'submission', f));
  await fs.writeFile(path.join(root, 'submission_metadata.json'), JSON.stringify({ id: 42, users: [{ email: 's@example.edu', name: 'S' }] }));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Long enough for a one-file module to build and one test to pass on a loaded machine. */
const BUDGET_SEC = 30;

/** A project with one quick test and one that sleeps far past BUDGET_SEC; the submission is its handin. */
async function budgetProject(dir: string): Promise<string> {
  const proj = path.join(dir, 'budget-project');
  await fs.mkdir(path.join(proj, 'starter', 'slow'), { recursive: true });
  await fs.mkdir(path.join(proj, 'staff', 'slow'), { recursive: true });
  await fs.writeFile(path.join(proj, 'starter', 'go.mod'), 'module example.com/slow\n\ngo 1.21\n');
  await fs.writeFile(path.join(proj, 'starter', 'slow', 'slow.go'), 'package slow\n\nfunc Value() int { return 0 }\n');
  await fs.writeFile(
    path.join(proj, 'staff', 'slow', 'slow_test.go'),
    'package slow\n\nimport (\n\t"testing"\n\t"time"\n)\n\nfunc TestQuick(t *testing.T) {\n\tif Value() != 1 {\n\t\tt.Fatal("wrong value")\n\t}\n}\n\nfunc TestOutlastsBudget(t *testing.T) { time.Sleep(10 * time.Minute) }\n',
  );
  const tests = [
    { name: 'TestQuick', points: 1 },
    { name: 'TestOutlastsBudget', points: 1, timeoutSec: 900 },
  ];
  await fs.writeFile(
    path.join(proj, 'dsgrade.json'),
    JSON.stringify({ name: 'slow', title: 'Budget fixture', go: { moduleRoot: '.', module: 'example.com/slow' }, starter: 'starter', staff: 'staff', handin: [{ path: 'slow/slow.go' }], suites: [{ id: 'slow', kind: 'gotest', package: 'slow', tests }] }),
  );
  await fs.rm(path.join(dir, 'submission'), { recursive: true, force: true });
  await fs.mkdir(path.join(dir, 'submission'));
  await fs.writeFile(path.join(dir, 'submission', 'slow.go'), 'package slow\n\nfunc Value() int { return 1 }\n');
  return proj;
}

async function readResults(): Promise<GradescopeResults> {
  const results = JSON.parse(await fs.readFile(path.join(root, 'results', 'results.json'), 'utf8')) as GradescopeResults;
  expect(validateGradescopeResults(results)).toEqual([]);
  return results;
}

describe('dsgrade gradescope', () => {
  it('grades the submission and writes a valid results.json with the nonce', async () => {
    process.env.DSGRADE_NONCE = 'staff-secret-1234';
    try {
      const r = await runGradescope({ root, project: PROJECT, budgetSec: 600 });
      expect(r.outcome).toBe('graded');
    } finally {
      delete process.env.DSGRADE_NONCE;
    }
    const results = await readResults();
    expect(results.extra_data?.nonce).toBe('staff-secret-1234');
    expect(results.score).toBe(25);
    expect(results.tests!.every((t) => t.status === 'passed')).toBe(true);
  });

  it('when the time budget runs out: what finished is kept, the rest is marked not graded, nothing survives', async () => {
    // A project whose first test passes at once and whose second outlasts any budget, so that the
    // budget running out, and something finishing before it, do not depend on the machine's speed
    // (with P0 and a 12 s budget they did: a slow build graded nothing, a fast machine everything).
    const project = await budgetProject(root);
    const r = await runGradescope({ root, project, budgetSec: BUDGET_SEC });
    expect(r.outcome).toBe('budget-exhausted');
    const results = await readResults();
    const status = Object.fromEntries(results.tests!.map((t) => [t.name, t.status]));
    expect(status).toMatchObject({ TestQuick: 'passed', TestOutlastsBudget: 'failed' });
    const notGraded = results.tests!.filter((t) => new RegExp(`time budget \\(${BUDGET_SEC} s\\) ran out`).test(t.output ?? ''));
    expect(notGraded.map((t) => t.name)).toEqual(['TestOutlastsBudget']);
    expect(results.extra_data?.budgetExhausted).toBe(true);
    expect(liveGroupCount()).toBe(0);
  });

  it('when dsgrade itself fails (a broken project): a grader-error result, never a missing file', async () => {
    const broken = path.join(root, 'broken-project');
    await fs.mkdir(broken);
    await fs.writeFile(path.join(broken, 'dsgrade.json'), '{ "name": ');
    const r = await runGradescope({ root, project: broken });
    expect(r.outcome).toBe('grader-error');
    const results = await readResults();
    expect(results.score).toBe(0);
    expect(results.tests![0]?.name).toBe('Autograder error');
    expect(String(results.extra_data?.graderError)).toMatch(/invalid JSON in project manifest/);
  });

  it('on SIGINT (a TA pressing Ctrl-C, Gradescope stopping the run): a valid partial results.json, then exit 130', async () => {
    const cli = ['--import', 'tsx', path.resolve('test/fixtures/programs/dsgrade-cli.ts')];
    const run = execa('node', [...cli, 'gradescope', '--root', root, '--project', PROJECT, '--jobs', '1', '--seed', '3'], { reject: false, timeout: 300_000 });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing was graded in time:\n${log}`)), 240_000);
      run.stdout!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (/PASSED partA\/TestBasic1 /.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    run.kill('SIGINT');
    const done = await run;
    expect(done.exitCode, String(done.stderr)).toBe(130);
    expect(String(done.stderr)).toMatch(/SIGINT: stopped \d+ process group/);
    const results = await readResults();
    expect(results.extra_data?.interrupted).toBe('SIGINT');
    expect(results.output).toMatch(/The autograder was stopped \(SIGINT\) after \d+ s: \d+ test\(s\) were not graded\./);
    const basic1 = results.tests!.find((t) => /TestBasic1/.test(t.name ?? ''));
    expect(basic1?.status).toBe('passed');
    const notGraded = results.tests!.filter((t) => (t.output ?? '').includes('not graded: the autograder was stopped (SIGINT) before this test finished'));
    expect(notGraded.length).toBeGreaterThan(0);
    expect(notGraded.every((t) => t.score === 0)).toBe(true);
    // Every planned test is there, graded or not.
    const { manifest } = await loadManifest(PROJECT);
    expect(results.tests!.map((t) => t.name).sort()).toEqual(planItems(manifest, () => true).map((p) => p.name).sort());
  });
});
