/**
 * The scenario engine with real processes, a real fault proxy and real sockets, on the echo
 * fixture (test/fixtures/scenario/echo): readiness, kill/restart/pause, partition and heal,
 * expectations that pass and fail, the checker, artifacts, and no process group left behind.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, type LoadedManifest } from '../../src/manifest/load.js';
import type { GradeReport, TestResult } from '../../src/model.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';
import { portsInUse } from '../../src/scenario/ports.js';

const PROJECT = path.resolve('test/fixtures/scenario/echo');
let project: LoadedManifest;
let tmp: string;
let report: GradeReport;

const byId = (r: GradeReport, id: string): TestResult => {
  const t = r.tests.find((x) => x.id === id);
  if (!t) throw new Error(`no result ${id} in ${r.tests.map((x) => x.id).join(', ')}`);
  return t;
};

beforeAll(async () => {
  project = await loadManifest(PROJECT);
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-scenario-it-'));
  // The work folders live in here; as root, dsgrade builds and runs as sandbox uids, which must be
  // able to traverse it (mkdtemp makes it 0700).
  await fs.chmod(tmp, 0o755);
  report = await gradeSubmission({
    project,
    submission: path.join(PROJECT, 'reference'),
    only: ['basic', 'kill-restart', 'partition-heal', 'partition-holds', 'expect-fails', 'not-ready', 'random-kill', 'checker', 'checker-wrong'].map((s) => `echo/${s}`),
    seed: 11,
    jobs: 2,
    artifactsDir: path.join(tmp, 'art'),
    workRoot: tmp,
  });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('scenario engine (real processes)', () => {
  it('runs every scenario and leaves no process group or port behind', () => {
    expect(report.tests.filter((t) => t.suite === 'echo').map((t) => t.id)).toContain('echo/basic');
    expect(liveGroupCount()).toBe(0);
    expect(portsInUse()).toBe(0);
  });

  it('passes readiness, groups, templates and expectations through the proxy', () => {
    const t = byId(report, 'echo/basic');
    expect(t.verdict).toBe('passed');
    expect(t.score).toBe(1);
    expect(t.output).toMatch(/Rerun exactly this schedule: .* --only echo\/basic --seed 11/);
  });

  it('kills, restarts, pauses and resumes a node; writes to stdin; checks an exit code', () => {
    expect(byId(report, 'echo/kill-restart').verdict).toBe('passed');
  });

  it('partition holds one client while the other is served, heal lets it through', async () => {
    expect(byId(report, 'echo/partition-heal').verdict).toBe('passed');
    const timeline = await fs.readFile(path.join(tmp, 'art', 'echo', 'partition-heal', 'timeline.txt'), 'utf8');
    expect(timeline).toMatch(/partition isolate: c1 from server c1 c2/);
    expect(timeline).toMatch(/healed/);
    expect(timeline).toMatch(/proxy +c1->server forward during/);
  });

  it('a wait that times out fails the scenario and shows the node\'s last lines', () => {
    // Fails because of the partition: the wait is on what the proxy passed on after the partition
    // took effect, not on when c1 prints a reply that may have been delivered before it (#16).
    const t = byId(report, 'echo/partition-holds');
    expect(t.verdict).toBe('failed');
    expect(t.score).toBe(0);
    expect(t.summary).toMatch(/step 4: the proxy passed on no message from server to c1 within 1\.0 s after the previous step began \(c1: running; server: running\)/);
    expect(t.output).toMatch(/last lines of c1's output:/);
    expect(t.output).toMatch(/last lines of server's output:/);
    expect(t.output).toMatch(/--- timeline \(last events\) ---/);
  });

  it('reports the first failing expectation and what was seen', () => {
    const t = byId(report, 'echo/expect-fails');
    expect(t.verdict).toBe('failed');
    expect(t.summary).toMatch(/expectation 3 failed: c1 never prints a line matching \/\^reply: ping 2\$\/ \(fails by design\) — 1 line\(s\) matched/);
    // The other two expectations held.
    expect(t.output).not.toMatch(/FAILED expectation 1/);
    expect(t.output).not.toMatch(/FAILED expectation 2/);
  });

  it('a node that never gets ready fails the scenario', () => {
    const t = byId(report, 'echo/not-ready');
    expect(t.verdict).toBe('failed');
    expect(t.summary).toMatch(/server did not become ready: not ready within 1 s: no line matched \/never printed\//);
  });

  it('random kills come from the seed and the run passes', async () => {
    expect(byId(report, 'echo/random-kill').verdict).toBe('passed');
    const plan = JSON.parse(await fs.readFile(path.join(tmp, 'art', 'echo', 'random-kill', 'plan.json'), 'utf8')) as { steps: { action: { kind: string; nodes?: string[] } }[] };
    expect(plan.steps[1]!.action.nodes).toHaveLength(2);
  });

  it('runs the checker program on the artifacts', () => {
    expect(byId(report, 'echo/checker').verdict).toBe('passed');
  });

  it('a checker that exits 3 fails the scenario as a wrong answer, one that counts on a loaded machine', () => {
    const t = byId(report, 'echo/checker-wrong');
    expect(t.verdict).toBe('failed');
    expect(t.score).toBe(0);
    expect(t.output).toMatch(/FAILED: the checker \(check\) exited with code 3: echocheck: c1 printed "reply: ping 1", want a reply starting with "reply: pong "/);
    expect(t.output).toContain('The checker exited 3: the output holds a wrong answer');
    // The passing checker's scenario says nothing of the kind.
    expect(byId(report, 'echo/checker').output).not.toContain('wrong answer');
  });

  it('writes the artifacts: node output, proxy trace, timeline, seed, rerun command, pids', async () => {
    const dir = path.join(tmp, 'art', 'echo', 'kill-restart');
    const files = await fs.readdir(dir);
    expect(files).toEqual(expect.arrayContaining(['seed.txt', 'rerun.txt', 'timeline.txt', 'result.json', 'pids.json', 'proxy-trace.jsonl', 'plan.json', 'nodes']));
    expect(await fs.readFile(path.join(dir, 'nodes', 'c1.stdout.log'), 'utf8')).toMatch(/^reply: ping 1$/m);
    expect((await fs.readFile(path.join(dir, 'proxy-trace.jsonl'), 'utf8')).split('\n')[0]).toMatch(/"link":"c1->server"/);
    expect(await fs.readFile(path.join(dir, 'rerun.txt'), 'utf8')).toMatch(/--only echo\/kill-restart --seed 11/);
    const timeline = await fs.readFile(path.join(dir, 'timeline.txt'), 'utf8');
    expect(timeline).toMatch(/server +#1 killed by SIGKILL \(by dsgrade\)/);
    expect(timeline).toMatch(/server +started #2/);
    expect(timeline).toMatch(/expect +ok {3}#1 c1 exits by itself with code 0/);
  });

  it('same seed ⇒ same schedule across runs', async () => {
    const again = await gradeSubmission({ project, submission: path.join(PROJECT, 'reference'), only: ['echo/random-kill'], seed: 11, artifactsDir: path.join(tmp, 'art2'), workRoot: tmp });
    expect(byId(again, 'echo/random-kill').verdict).toBe('passed');
    const plan = async (root: string): Promise<string> => fs.readFile(path.join(tmp, root, 'echo', 'random-kill', 'plan.json'), 'utf8');
    const strip = (s: string): unknown => (JSON.parse(s) as { steps: unknown }).steps;
    expect(strip(await plan('art2'))).toEqual(strip(await plan('art')));
  });

  it('a crashing submission fails with the crash in the output', async () => {
    const r = await gradeSubmission({ project, submission: path.join(PROJECT, 'broken'), only: ['echo/basic'], seed: 3, workRoot: tmp });
    const t = byId(r, 'echo/basic');
    expect(t.verdict).toBe('failed');
    expect(t.output).toMatch(/Artifacts .* are kept when you rerun with --artifacts/);
    expect(liveGroupCount()).toBe(0);
  });
});
