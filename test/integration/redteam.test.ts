/**
 * The red-team suite: hostile P0 submissions (test/fixtures/redteam/<attack>/: the folder is the
 * submission), each graded by `dsgrade gradescope` in a separate process with a temporary
 * /autograder root, exactly as run_autograder runs it. Every case asserts the score and the message
 * a student would read, that results.json is dsgrade's own (valid, with this run's nonce), and that
 * no process of any sandbox uid survives. The project is P0 cut down to the build, two checks and
 * TestBasic1 with a 6 s limit, so that each attack costs seconds.
 *
 * Two copies of it: `project` tests the sandbox, so its gate admits the few syscall functions the
 * process attacks need (fork, kill, os/exec; with the default gate they are not graded at all, which
 * the gate cases check too); `gateProject` has the default gate and a handin that also admits any
 * file beside server_impl.go and a student's own srunner/srunner.go, for the gate's cases
 * (fixtures named gate-*). Attacks on the grader's secrets belong in `gateProject`.
 *
 * Needs root (the sandbox switches uids; kill(-1) from a fixture must not reach the test runner):
 * skipped otherwise. CI runs as root.
 */
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAMPERED } from '../../src/gotest/verdict.js';
import { validateGradescopeResults, type GradescopeResults } from '../../src/report/gradescope-results.js';

const REPO = path.resolve('.');
const PROJECT = path.join(REPO, 'projects/p0-kvserver');
const FIXTURES = path.join(REPO, 'test/fixtures/redteam');
const CLI = ['--import', 'tsx', path.join(REPO, 'test/fixtures/programs/dsgrade-cli.ts')];
// Its own uid range, so that other dsgrade runs on the machine never count as survivors
// (REDTEAM_BASE_UID moves it, for a machine where another run already uses 62000–62999).
const BASE_UID = Number(process.env.REDTEAM_BASE_UID ?? 62000);
const NONCE = 'redteam-nonce-0123456789abcdef';

const isRoot = process.getuid?.() === 0;
const sandboxMode = (process.env.DSGRADE_SANDBOX ?? 'auto').toLowerCase();
const canRun = isRoot && (sandboxMode === 'auto' || sandboxMode === 'uid');
if (!canRun) {
  console.warn(
    `redteam: SKIPPED — these attacks (kill(-1), fork bombs, reading other users' files) are only safe and meaningful when dsgrade runs as root with the uid sandbox ` +
      `(running as uid ${process.getuid?.()}, DSGRADE_SANDBOX=${sandboxMode}). CI runs them as root.`,
  );
}

let tmp: string;
let project: string;
let gateProject: string;
/** The same cut-down P0 with the two scenarios that check the counters instead of TestBasic1. */
let scenarioProject: string;

/**
 * What the sandbox's process attacks call; everything else the gate refuses stays refused. os/exec
 * is admitted so the fd-3 thief tests the layer under the gate: fdguard's close-on-exec.
 */
const SANDBOX_ATTACK_ALLOWED = ['syscall.ForkExec', 'syscall.ProcAttr', 'syscall.SysProcAttr', 'syscall.Kill', 'os/exec'];

beforeAll(async () => {
  if (!canRun) return;
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-redteam-'));
  project = path.join(tmp, 'project');
  await fs.cp(PROJECT, project, { recursive: true });
  const manifest = JSON.parse(await fs.readFile(path.join(project, 'dsgrade.json'), 'utf8'));
  manifest.totalPoints = 3;
  manifest.checks = manifest.checks.filter((c: { id: string }) => c.id === 'gofmt' || c.id === 'imports');
  for (const c of manifest.checks) c.files = ['p0partA/server_impl.go'];
  const partA = manifest.suites.find((s: { id: string }) => s.id === 'partA');
  partA.tests = partA.tests.filter((t: { name: string }) => t.name === 'TestBasic1').map((t: object) => ({ ...t, timeoutSec: 6 }));
  // The "Close releases everything" item judges the whole suite; the cut-down suite has one test.
  delete partA.leaks;
  manifest.suites = [partA];
  manifest.mutants = [];
  manifest.handin = [{ path: 'p0partA/server_impl.go' }];
  gateProject = path.join(tmp, 'gate-project');
  await fs.cp(project, gateProject, { recursive: true });
  scenarioProject = path.join(tmp, 'scenario-project');
  await fs.cp(project, scenarioProject, { recursive: true });
  await fs.writeFile(path.join(project, 'dsgrade.json'), JSON.stringify({ ...manifest, gate: { allow: SANDBOX_ATTACK_ALLOWED } }, null, 2));

  // The scenario forger runs under the default gate: it needs nothing the gate refuses.
  const full = JSON.parse(await fs.readFile(path.join(PROJECT, 'dsgrade.json'), 'utf8'));
  const scenarios = full.suites.find((s: { id: string }) => s.id === 'scenarios');
  scenarios.scenarios = scenarios.scenarios.filter((sc: { name: string }) => sc.name === 'killed-clients' || sc.name === 'partitioned-clients');
  await fs.writeFile(path.join(scenarioProject, 'dsgrade.json'), JSON.stringify({ ...manifest, suites: [scenarios], totalPoints: 4 }, null, 2));

  manifest.handin = [
    { path: 'p0partA/server_impl.go' },
    { pattern: 'p0partA/*', exclude: ['p0partA/server_api.go', 'p0partA/server_test.go'] },
    { path: 'srunner/srunner.go', required: false },
  ];
  await fs.writeFile(path.join(gateProject, 'dsgrade.json'), JSON.stringify(manifest, null, 2));
});
afterAll(async () => {
  // REDTEAM_KEEP=1 keeps every /autograder root (results.json, the grader's log) for inspection.
  if (tmp && !process.env.REDTEAM_KEEP) await fs.rm(tmp, { recursive: true, force: true });
  else if (tmp) console.log(`redteam: kept ${tmp}`);
});

interface Graded {
  root: string;
  results: GradescopeResults;
  resultsText: string;
  stdout: string;
  test(name: RegExp): NonNullable<GradescopeResults['tests']>[number];
}

/** A Gradescope root holding the project and the fixture folder as the submission. */
async function gradescopeRoot(attack: string, projectDir: string): Promise<string> {
  const root = await fs.mkdtemp(path.join(tmp, `${attack}-`));
  await fs.mkdir(path.join(root, 'source'));
  await fs.cp(projectDir, path.join(root, 'source', 'project'), { recursive: true });
  await fs.cp(path.join(FIXTURES, attack), path.join(root, 'submission'), { recursive: true });
  await fs.writeFile(path.join(root, 'submission_metadata.json'), JSON.stringify({ id: 1, users: [{ email: 'mallory@example.edu', name: 'Mallory' }] }));
  return root;
}

function gradescope(root: string): ReturnType<typeof execa> {
  return execa('node', [...CLI, 'gradescope', '--root', root, '--jobs', '1', '--seed', '7', '--budget-sec', '240'], {
    cwd: REPO,
    env: { DSGRADE_NONCE: NONCE, DSGRADE_SANDBOX_USER: String(BASE_UID) },
    reject: false,
    timeout: 300_000,
  });
}

/** Grades one fixture the way run_autograder does; returns results.json and the grader's log. */
async function grade(attack: string, opts: { project?: string } = {}): Promise<Graded> {
  const root = await gradescopeRoot(attack, opts.project ?? project);
  const run = await gradescope(root);
  expect(run.exitCode, `dsgrade gradescope failed:\n${String(run.stdout)}\n${String(run.stderr)}`).toBe(0);
  return readGraded(root, String(run.stdout));
}

async function readGraded(root: string, stdout: string): Promise<Graded> {
  const resultsText = await fs.readFile(path.join(root, 'results', 'results.json'), 'utf8');
  const results = JSON.parse(resultsText) as GradescopeResults;
  expect(validateGradescopeResults(results)).toEqual([]);
  expect(results.extra_data?.nonce).toBe(NONCE);
  return {
    root,
    results,
    resultsText,
    stdout,
    test: (name) => {
      const t = results.tests?.find((x) => name.test(x.name ?? ''));
      if (!t) throw new Error(`no test ${String(name)} in ${results.tests?.map((x) => x.name).join(', ')}`);
      return t;
    },
  };
}

/** Every live (non-zombie) process whose uid is in the sandbox's range. */
function sandboxSurvivors(): string[] {
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let status: string;
    try {
      status = readFileSync(`/proc/${name}/status`, 'utf8');
    } catch {
      continue;
    }
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    if (uid >= BASE_UID && uid < BASE_UID + 1000 && state !== 'Z' && state !== 'X') {
      out.push(`${name} uid=${uid} ${/^Name:\s+(.*)$/m.exec(status)?.[1]}`);
    }
  }
  return out;
}

const BASIC1 = /TestBasic1/;

/** The first line of a test's output: the verdict and the one-line reason every reporter shows. */
function headline(g: Graded, name: RegExp): string {
  return (g.test(name).output ?? '').split('\n')[0]!;
}
const GOFMT = /gofmt-clean/;
const IMPORTS = /imports only allowed packages/;

/** A correct server plus an attack that does not break it: build, gofmt and TestBasic1 pass; the imports check fails (os). */
function expectCorrectServerScore(g: Graded): void {
  expect(g.test(GOFMT).status).toBe('passed');
  expect(g.test(IMPORTS).status).toBe('failed');
  expect(g.test(BASIC1).status).toBe('passed');
  expect(g.results.score).toBe(2);
}

/** A stub server with an attack: gofmt passes, TestBasic1 fails; imports fail when `os`/`syscall`/… are used. */
function expectStubScore(g: Graded, importsPass = false): void {
  expect(g.test(GOFMT).status).toBe('passed');
  expect(g.test(IMPORTS).status).toBe(importsPass ? 'passed' : 'failed');
  expect(g.test(BASIC1).status).toBe('failed');
  expect(g.test(BASIC1).score).toBe(0);
  expect(g.results.score).toBe(importsPass ? 2 : 1);
}

function netnsAvailable(): boolean {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function expectNothingSurvives(): void {
  expect(sandboxSurvivors()).toEqual([]);
}

describe.runIf(canRun)('red team: hostile submissions are contained', () => {
  it('overwrite results.json (Gradescope path and the --root path from /proc): denied, results are the grader\'s', async () => {
    const g = await grade('overwrite-results');
    expectCorrectServerScore(g);
    const out = g.test(BASIC1).output ?? '';
    expect(out).toContain(`ATTACK write ${g.root}/results/results.json: denied`);
    expect(out).toMatch(/permission denied/);
    // Other dsgrade runs on this machine may name an --out in /tmp, which anyone can create first;
    // what matters is this run's results and Gradescope's path.
    expect(out).not.toMatch(new RegExp(`ATTACK write (${g.root}|/autograder)\\S*: WROTE`));
    expect(g.resultsText).not.toContain('forged by the submission');
    expectNothingSurvives();
  });

  it('forged PASS lines, test2json events and a forged result record, then os.Exit(0): failed as tampering', async () => {
    const g = await grade('forged-output');
    expectStubScore(g);
    expect(headline(g, BASIC1)).toBe("Failed: the test result record was tampered with (written by something other than the grader's harness): failed");
    expectNothingSurvives();
  });

  it('forge a record from init with what the environment and the folders hold, then exit 0: there is no secret to find', async () => {
    const g = await grade('forge-in-init');
    expectStubScore(g);
    expect(headline(g, BASIC1)).toBe(`Failed: ${TAMPERED}`);
    const out = g.test(BASIC1).output ?? '';
    // The environment names the descriptor, nothing else of the grader's: no nonce, no key, no result file.
    expect(out).toContain('ATTACK env DSGRADE_SECRET_FD=3');
    expect(out).not.toMatch(/ATTACK env DSGRADE_(NONCE|RESULT_FILE)/);
    expect(out).toMatch(/ATTACK forged record in \S+\/dsgrade-result: <nil>/);
    expectNothingSurvives();
  });

  it("forge a record from code called by a test, with what /proc/self/environ and the attempt's folder hold: there is no secret in them", async () => {
    const g = await grade('forge-from-environ');
    expectStubScore(g);
    expect(headline(g, BASIC1)).toBe(`Failed: ${TAMPERED}`);
    const out = g.test(BASIC1).output ?? '';
    // The harness made the process undumpable before any of the submission's code ran, which also
    // closes its own /proc/self/environ (and /proc/self/mem) to it; the key was never there anyway.
    expect(out).toContain('ATTACK /proc/self/environ: 0 bytes, open /proc/self/environ: permission denied');
    expect(out).not.toMatch(/ATTACK environ DSGRADE_(NONCE|RESULT_FILE)/);
    expect(out).toMatch(/ATTACK forged record in \S+\/dsgrade-result: <nil>/);
    expectNothingSurvives();
  });

  it('read fd 3 from init through a child process (no syscall, no os.NewFile): the child gets a bad descriptor', async () => {
    const g = await grade('fd3-thief');
    expectStubScore(g);
    expect(headline(g, BASIC1)).toBe(`Failed: ${TAMPERED}`);
    const out = g.test(BASIC1).output ?? '';
    expect(out).toMatch(/ATTACK child read fd 3: ".*3: Bad file descriptor.*" \(exit status \d+\)/);
    expect(out).not.toContain('ATTACK STOLE');
    expect(out).not.toContain('dsgrade-secret');
    expectNothingSurvives();
  });

  it('print every environment it can read: the Gradescope nonce is nowhere in the results but extra_data.nonce', async () => {
    const g = await grade('nonce-printer');
    expectCorrectServerScore(g);
    const out = g.test(BASIC1).output ?? '';
    expect(out).toContain('ATTACK env DSGRADE_SECRET_FD=3');
    expect(out).toContain('ATTACK env DSGRADE_SEED=');
    expect(out).not.toMatch(/ATTACK env DSGRADE_(NONCE|RESULT_FILE)/);
    // dsgrade's own processes (root) and its own undumpable process are among those it cannot read.
    expect(out).toMatch(/ATTACK environ files: \d+ readable, [1-9]\d* denied/);
    const { extra_data: extra, ...rest } = g.results;
    const { nonce, ...extraRest } = extra ?? {};
    expect(nonce).toBe(NONCE);
    expect(JSON.stringify({ ...rest, extra_data: extraRest })).not.toContain(NONCE);
    expectNothingSurvives();
  });

  it('os.Exit(0) from init: the test never ran', async () => {
    const g = await grade('exit-in-init');
    expectStubScore(g);
    expect(headline(g, BASIC1)).toBe(
      'Failed: the test process exited with status 0 before the test finished: does your code call os.Exit or log.Fatal (perhaps in init or a goroutine)?',
    );
    expectNothingSurvives();
  });

  it('os.Exit(0) from a helper during the test: the test did not finish', async () => {
    const g = await grade('exit-in-helper');
    expectStubScore(g);
    expect(headline(g, BASIC1)).toBe('Failed: your code called os.Exit(0) while the test was running; the test did not finish');
    expectNothingSurvives();
  });

  it('fork bomb: bounded by RLIMIT_NPROC, every process of the uid is killed', async () => {
    const g = await grade('fork-bomb');
    expectStubScore(g);
    // The stub never listens; a bomb that has eaten the uid's process budget can also stop the runtime starting threads.
    expect(headline(g, BASIC1)).toMatch(/^Failed: (server_test\.go:\d+: client c0 could not connect to the server|the process hit the limit on processes and threads|.*resource temporarily unavailable)/);
    expectNothingSurvives();
  });

  it('allocate until out of memory: the address-space limit stops it', async () => {
    const g = await grade('oom');
    expectStubScore(g, true);
    expect(headline(g, BASIC1)).toBe('Failed: fatal error: out of memory');
    expectNothingSurvives();
  });

  it('write a huge file: RLIMIT_FSIZE stops it; the file left in /tmp is removed', async () => {
    const g = await grade('huge-file');
    expectStubScore(g);
    expect(g.test(BASIC1).output).toMatch(/ATTACK huge file in \S+ stopped: .*file too large/);
    await expect(fs.access('/tmp/dsgrade-redteam-huge')).rejects.toThrow();
    expectNothingSurvives();
  });

  it('print a gigabyte: killed as a flood', async () => {
    const g = await grade('print-gigabyte');
    expectStubScore(g);
    expect(headline(g, BASIC1)).toMatch(/^Failed: printed more than the output limit \(8(\.\d)? MiB so far\) and was stopped: remove debug printing$/);
    expectNothingSurvives();
  });

  it("busy loop on every core: Go's test timeout, then the wall-clock kill", async () => {
    const g = await grade('busy-loop');
    expectStubScore(g);
    expect(headline(g, BASIC1)).toBe('Failed: timed out after 6s: the goroutine dump in the output shows where each goroutine was blocked');
    expectNothingSurvives();
  });

  it('sleep forever ignoring SIGTERM, with a child that ignores it too: SIGKILLed', async () => {
    const g = await grade('ignore-sigterm');
    expectStubScore(g);
    expect(headline(g, BASIC1)).toBe('Failed: timed out after 6s: the goroutine dump in the output shows where each goroutine was blocked');
    expectNothingSurvives();
  });

  it('setsid daemon that rewrites results.json after grading: killed with its uid, results unchanged', async () => {
    const g = await grade('setsid-daemon');
    expectCorrectServerScore(g);
    expect(g.test(BASIC1).output).toMatch(/ATTACK daemon started: pid \d+, err <nil>/);
    expectNothingSurvives();
    await new Promise((resolve) => setTimeout(resolve, 4000)); // past the daemon's 3 s sleep
    expect(await fs.readFile(path.join(g.root, 'results', 'results.json'), 'utf8')).toBe(g.resultsText);
    expectNothingSurvives();
  });

  it('read the staff tests, the reference and the project at run time: every read is denied', async () => {
    const g = await grade('read-staff');
    expectCorrectServerScore(g);
    const out = g.test(BASIC1).output ?? '';
    // Only this run's files count: other dsgrade runs on the machine may name a world-readable
    // --project (dsgrade warns about those, see docs/security.md).
    expect(out).not.toMatch(new RegExp(`ATTACK read (${g.root}|/autograder|\\.\\.|/tmp/dsgrade-p0)\\S*: LEAKED`));
    expect(out).toMatch(/ATTACK read server_test\.go: denied \(open server_test\.go: no such file or directory\)/);
    expect(out).toMatch(/ATTACK read \S+\/module\/p0partA\/server_test\.go: denied \(.*permission denied\)/);
    expect(out).toContain(`ATTACK read ${g.root}/source/project/staff/p0partA/server_test.go: denied`);
    expectNothingSurvives();
  });

  it('squat ports (the test process and a setsid daemon): bounded by RLIMIT_NOFILE, released when the uid dies', async () => {
    const g = await grade('port-squat');
    expectCorrectServerScore(g);
    expect(g.test(BASIC1).output).toMatch(/ATTACK test process squats 300 ports/);
    expectNothingSurvives();
  });

  it('connect to an outside address (TEST-NET-1): fails fast, never connects', async () => {
    const g = await grade('outside-connect');
    expectCorrectServerScore(g);
    const out = g.test(BASIC1).output ?? '';
    expect(out).toMatch(/ATTACK connect 192\.0\.2\.1:80: failed after/);
    // Where the machine allows a network namespace (root with CAP_SYS_ADMIN) the test has only loopback.
    // Without one (Gradescope) the connect is not blocked locally: docs/security.md.
    if (netnsAvailable()) expect(out).toMatch(/network is unreachable/);
    expect(out).not.toContain('CONNECTED');
    expectNothingSurvives();
  });

  it('kill the parent, kill(-1) and kill every visible pid: all denied, the grader finishes', async () => {
    const g = await grade('kill-parent');
    expectCorrectServerScore(g);
    const out = g.test(BASIC1).output ?? '';
    expect(out).toMatch(/ATTACK kill parent \d+: operation not permitted/);
    expect(out).toMatch(/ATTACK kill every visible pid: 0 killed, \d+ denied/);
    expectNothingSurvives();
  });

  it('forge the scenario counters from inside the driver (stdin swapped in init, every candidate line printed): 0 on both counting scenarios', async () => {
    const g = await grade('forge-scenario-counts', { project: scenarioProject });
    expect(g.test(GOFMT).status).toBe('passed');
    expect(g.test(IMPORTS).status).toBe('failed');
    const killed = g.test(/Clients killed mid-stream/);
    const partitioned = g.test(/partition/);
    for (const t of [killed, partitioned]) {
      expect(t.status).toBe('failed');
      expect(t.score).toBe(0);
      const out = t.output ?? '';
      // The attack ran inside the driver, yet the driver never told it what to expect (its counters stayed 0 0).
      expect(out).toContain('ATTACK stdin swapped, sprayed 169 counts lines, forged counts 0 0');
    }
    expect(headline(g, /Clients killed mid-stream/)).toMatch(
      /^Failed: step 4: server did not settle on a line matching \/\^counts active=6 dropped=0\$\/ within 8\.0 s \(server: its latest line matching \/\^counts \/ was "counts active=(0 dropped=0|12 dropped=12)" at [\d.]+ s/,
    );
    expect(headline(g, /partition/)).toMatch(/^Failed: step 9: server did not settle on a line matching \/\^counts active=4 dropped=0\$\//);
    expect(g.results.score).toBe(1);
    expectNothingSurvives();
  });

  it('read its own test binary, the other test binaries and the scenario programs: every read is denied', async () => {
    const g = await grade('read-bin');
    expectCorrectServerScore(g);
    const out = g.test(BASIC1).output ?? '';
    expect(out).not.toContain('LEAKED');
    expect(out).not.toContain('LISTED');
    expect(out).toMatch(/ATTACK read \/proc\/self\/exe: denied \(open \/proc\/self\/exe: permission denied\)/);
    expect(out).toMatch(/ATTACK list \S+\/bin: denied \(open \S+\/bin: permission denied\)/);
    expect(out).toMatch(/ATTACK read \S+\/bin\/p0partA\.test: denied \(open \S+: permission denied\)/);
    expectNothingSurvives();
  });

  it("list /tmp for other runs' work folders: none is visible, and the folder that holds them cannot be listed", async () => {
    // Another grading run's work folder, made the way dsgrade makes its own.
    const { workFolderParent } = await import('../../src/sandbox/work-folders.js');
    const decoy = await fs.mkdtemp(path.join(await workFolderParent(), 'dsgrade-p0-kvserver-'));
    try {
      const g = await grade('list-tmp');
      expectCorrectServerScore(g);
      const out = g.test(BASIC1).output ?? '';
      const own = /ATTACK cwd (\S+)/.exec(out)?.[1] ?? '';
      const ownWork = own.split('/').slice(0, 4).join('/');
      expect(ownWork).toMatch(/^\/tmp\/dsgrade-runs\/dsgrade-p0-kvserver-/);
      // Its own work folder it knows from its working directory; no other one shows up anywhere.
      expect(out).not.toContain(path.basename(decoy));
      expect(out).not.toMatch(/ATTACK list \S+: saw \/tmp\/dsgrade-runs\//);
      expect(out).toMatch(/ATTACK list \/tmp\/dsgrade-runs: denied \(open \/tmp\/dsgrade-runs: permission denied\)/);
      expect(out).toMatch(/ATTACK list \/tmp: saw \/tmp\/dsgrade-runs/);
    } finally {
      await fs.rm(decoy, { recursive: true, force: true });
    }
    expectNothingSurvives();
  });

  it('SIGTERM while a test runs (Gradescope stopping the autograder): a valid partial results.json, exit 143, nothing left running', async () => {
    const root = await gradescopeRoot('busy-loop', project);
    const run = gradescope(root);
    // Once the checks are graded, TestBasic1 is busy-looping in its 6 s limit: stop the grader then.
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`TestBasic1 never started:\n${log}`)), 240_000);
      run.stdout!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (/ check\/imports /.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await new Promise((r) => setTimeout(r, 1500));
    run.kill('SIGTERM');
    const done = await run;
    expect(done.exitCode, `${String(done.stdout)}\n${String(done.stderr)}`).toBe(143);
    expect(String(done.stdout)).toMatch(/SIGTERM: every process was stopped; writing partial results/);
    const g = await readGraded(root, String(done.stdout));
    expect(g.results.extra_data?.interrupted).toBe('SIGTERM');
    expect(g.test(GOFMT).status).toBe('passed');
    expect(g.test(IMPORTS).status).toBe('failed');
    expect(g.test(BASIC1).status).toBe('failed');
    expect(g.test(BASIC1).score).toBe(0);
    expect(g.test(BASIC1).output).toContain('Harness error: not graded: the autograder was stopped (SIGTERM) before this test finished');
    expect(g.results.output).toMatch(/The autograder was stopped \(SIGTERM\) after \d+ s: 1 test\(s\) were not graded\./);
    expect(g.results.score).toBe(1);
    expectNothingSurvives();
  });
});

/**
 * A refused submission: not graded, every test 0 with the same first line (the first finding's
 * file, line and rule), results.json says so first and that a human can review it, and nothing ran.
 */
function expectNotGraded(g: Graded, headlineText: string): void {
  expect(g.results.score).toBe(0);
  expect(g.results.extra_data).toMatchObject({ graded: false });
  const header = g.results.output ?? '';
  expect(header.split('\n')[1]).toBe(`NOT GRADED — ${headlineText.replace(/^Failed: not graded: /, '')}`);
  expect(header).toContain('A human can review this');
  for (const t of g.results.tests ?? []) {
    expect(t.status, t.name).toBe('failed');
    expect(t.score, t.name).toBe(0);
    expect((t.output ?? '').split('\n')[0], t.name).toBe(headlineText);
    expect(t.output).toContain('A human can review this');
  }
  expect(g.resultsText).not.toContain('ATTACK');
}

describe.runIf(canRun)('red team: the static gate refuses what could reach the staff tests or the grader\'s secrets', () => {
  it('import/**/"C" with a C preamble that .incbins the staff tests: not graded, nothing built; grade and JUnit agree', async () => {
    const g = await grade('gate-cgo-incbin', { project: gateProject });
    expectNotGraded(g, 'Failed: not graded: server_impl.go:8: a #cgo line in the cgo preamble is not allowed (rule "#cgo")');
    const out = g.test(BASIC1).output ?? '';
    expect(out).toContain('server_impl.go:13: import "C" (cgo) (rule "C")');
    expect(out).toMatch(/"C": cgo's C preamble can copy any file into your program while it is compiled \(\.incbin\)/);
    expect(g.resultsText).not.toContain('func TestBasic1');
    // `dsgrade grade` on the same submission: exit 0 (it is a grade), and the table and JUnit say the same.
    const junit = path.join(g.root, 'junit.xml');
    const run = await execa('node', [...CLI, 'grade', path.join(g.root, 'submission'), '--project', gateProject, '--jobs', '1', '--junit', junit], {
      cwd: REPO,
      env: { DSGRADE_SANDBOX_USER: String(BASE_UID) },
      reject: false,
      timeout: 120_000,
    });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain('NOT GRADED: server_impl.go:8: a #cgo line in the cgo preamble is not allowed (rule "#cgo")');
    expect(run.stdout).toMatch(/Score: 0\/3/);
    const xml = await fs.readFile(junit, 'utf8');
    expect(xml).toContain('<property name="graded" value="false"/>');
    expect(xml.match(/<failure /g)?.length).toBe(g.results.tests?.length);
    expectNothingSurvives();
  });

  it('embed the staff tests with //go:embed: not graded', async () => {
    const g = await grade('embed-staff', { project: gateProject });
    expectNotGraded(g, 'Failed: not graded: server_impl.go:19: import "embed" is not allowed (rule "embed")');
    expect(g.test(BASIC1).output).toContain('server_impl.go:24: a //go:embed directive (rule "//go:embed")');
    expect(g.resultsText).not.toContain('func TestBasic1');
    expectNothingSurvives();
  });

  it('//go:linkname to syscall.Syscall (reads descriptor 3 without importing syscall): not graded', async () => {
    const g = await grade('gate-linkname', { project: gateProject });
    expectNotGraded(g, 'Failed: not graded: server_impl.go:8: import "unsafe" is not allowed (rule "unsafe")');
    expect(g.test(BASIC1).output).toContain('server_impl.go:13: a //go:linkname directive (rule "//go:linkname")');
    expectNothingSurvives();
  });

  it('os.NewFile(3, …) in init, before the grader\'s TestMain: not graded', async () => {
    const g = await grade('gate-newfile', { project: gateProject });
    expectNotGraded(g, 'Failed: not graded: server_impl.go:14: os.NewFile is not allowed (rule "os.NewFile")');
    expectNothingSurvives();
  });

  it('a child process through net/http/cgi (no os/exec, no syscall; inherits descriptor 3): not graded', async () => {
    const g = await grade('gate-cgi-child', { project: gateProject });
    expectNotGraded(g, 'Failed: not graded: server_impl.go:8: import "net/http/cgi" is not allowed (rule "net/http/cgi")');
    expectNothingSurvives();
  });

  it('an assembly file handed in beside server_impl.go (raw read system call): not graded', async () => {
    const g = await grade('gate-asm-file', { project: gateProject });
    expectNotGraded(g, 'Failed: not graded: p0partA/read_amd64.s: a .s file in the handin is not allowed (rule "*.s")');
    expect(g.test(BASIC1).output).toMatch(/"\*\.s": assembly files are assembled into the test binary even without cgo/);
    expectNothingSurvives();
  });

  it('the sandbox\'s process attacks under the default gate (fork, kill, setsid through syscall): not graded', async () => {
    for (const [attack, first] of [
      ['fork-bomb', 'server_impl.go:14: syscall.ProcAttr'],
      ['kill-parent', 'server_impl.go:25: syscall.Kill'],
      ['setsid-daemon', 'server_impl.go:31: syscall.ProcAttr'],
    ] as const) {
      const g = await grade(attack, { project: gateProject });
      expectNotGraded(g, `Failed: not graded: ${first} is not allowed (rule "syscall")`);
      expectNothingSurvives();
    }
  });

  it('honest code: os.Getenv, os.MkdirAll, os.OpenFile, and a main package with os.Args, os.Exit, signal.Notify(syscall.SIGTERM): graded as usual', async () => {
    const g = await grade('gate-honest-main', { project: gateProject });
    expect(g.results.extra_data).not.toHaveProperty('graded');
    expect(g.results.output).not.toMatch(/NOT GRADED|human can review/);
    expect(g.test(/^Build/).status).toBe('passed');
    expect(g.test(GOFMT).status).toBe('passed');
    expect(g.test(IMPORTS).status).toBe('failed'); // P0's own import check (os, log, path/filepath), a scored check, not the gate
    expect(g.test(BASIC1).status).toBe('passed');
    expect(g.results.score).toBe(2);
    expectNothingSurvives();
  });
});

