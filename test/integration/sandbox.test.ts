/**
 * The process sandbox and the go test verdicts against real processes: shell fixtures that exit,
 * hang, fork, flood and escape, a Node driver that is interrupted, and a real Go module whose tests
 * pass, fail, lie, exit, hang and panic.
 */
import { execa } from 'execa';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explainCompileErrors } from '../../src/go/diagnostics.js';
import { defaultCacheDir, findGo } from '../../src/go/go-env.js';
import { compileTests, injectTestMain, type CompiledTests } from '../../src/gotest/compile.js';
import { runAttempt, type AttemptRun } from '../../src/gotest/run.js';
import { unjailedBackend } from '../../src/sandbox/local-backend.js';
import { runLocalProcess, type ProcessSpec } from '../../src/sandbox/process.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

const PROGRAMS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'programs');
const REPO = path.join(PROGRAMS, '..', '..', '..');
/** The local process runner without a jail (what these fixtures exercise). */
const runProcess = (spec: ProcessSpec): ReturnType<typeof runLocalProcess> => runLocalProcess(spec, undefined);

let tmp: string;
/** PIDs a test expects to be gone; any survivor is killed (by PID) after the test so none leaks. */
let watched: number[] = [];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-sandbox-it-'));
});
afterEach(() => {
  for (const pid of watched) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  watched = [];
  expect(liveGroupCount()).toBe(0);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/**
 * `kill -0`, except that a zombie counts as dead: a killed child reparented to PID 1 stays a zombie
 * until init reaps it, and some inits (containers, VMs) reap late.
 */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Every pid must be gone. dsgrade sends SIGKILL and moves on; the process dies when the kernel next
 * runs it, which on a loaded machine can take a while. So wait for death (the fixtures would
 * otherwise live 300 s, or forever) instead of assuming it is instant.
 */
async function expectGone(pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(pids.filter(isAlive), 'processes still alive').toEqual([]);
}

async function readPids(file: string): Promise<number[]> {
  const pids = (await fs.readFile(file, 'utf8')).trim().split(/\s+/).map(Number);
  expect(pids.every((p) => Number.isInteger(p) && p > 1)).toBe(true);
  watched.push(...pids);
  return pids;
}

function spec(script: string, args: string[], over: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    file: '/bin/sh',
    args: [path.join(PROGRAMS, script), ...args],
    cwd: tmp,
    env: { PATH: '/usr/bin:/bin' },
    timeoutMs: 20_000,
    outputBudgetBytes: 64 * 1024,
    floodLimitBytes: 8 * 1024 * 1024,
    ...over,
  };
}

describe('runProcess', () => {
  it('reports a normal exit with its status and interleaved output', async () => {
    const o = await runProcess(spec('exit-with.sh', ['3']));
    expect(o).toMatchObject({ exitCode: 3, signal: null, timedOut: false, flooded: false });
    expect(o.spawnError).toBeUndefined();
    expect(o.output).toContain('stdout line\n');
    expect(o.output).toContain('stderr line\n');
    expect(o.outputBytes).toBe('stdout line\nstderr line\n'.length);
    expect((await runProcess(spec('exit-with.sh', ['0']))).exitCode).toBe(0);
  });

  it('gives the process only the environment it was given', async () => {
    const o = await runProcess({ ...spec('exit-with.sh', []), file: '/usr/bin/env', args: [], env: { ONLY: 'this' } });
    expect(o.output).toBe('ONLY=this\n');
  });

  it('passes stdin', async () => {
    const o = await runProcess({ ...spec('exit-with.sh', []), file: '/bin/cat', args: [], stdin: 'from stdin' });
    expect(o).toMatchObject({ exitCode: 0, output: 'from stdin' });
  });

  it('kills a sleeper that ignores SIGTERM, and its children, at the wall-clock limit', async () => {
    const pidFile = path.join(tmp, 'sleeper.pids');
    const o = await runProcess(spec('ignore-term-sleeper.sh', [pidFile], { timeoutMs: 1500 }));
    expect(o.timedOut).toBe(true);
    expect(o.signal).toBe('SIGKILL');
    expect(o.exitCode).toBeNull();
    expect(o.output).toBe('sleeping\n');
    expect(o.durationMs).toBeGreaterThanOrEqual(1400);
    expect(o.durationMs).toBeLessThan(6000);
    await expectGone(await readPids(pidFile));
  });

  it('leaves none of the children a process forked in its group alive, and does not wait for them', async () => {
    const pidFile = path.join(tmp, 'fork.pids');
    const o = await runProcess(spec('fork-children.sh', [pidFile], { timeoutMs: 10_000 }));
    // One child still holds stdout: the run must end when the parent does, not at the limit.
    expect(o).toMatchObject({ exitCode: 0, timedOut: false, flooded: false });
    expect(o.durationMs).toBeLessThan(5000);
    const pids = await readPids(pidFile);
    expect(pids).toHaveLength(3);
    expect(o.output).toContain(`forked ${pids.join(' ')}`);
    await expectGone(pids);
  });

  it('returns soon after the process exits even when an escaped process keeps the output open', async () => {
    const pidFile = path.join(tmp, 'escape.pid');
    const o = await runProcess(spec('escape-session.sh', [pidFile], { timeoutMs: 15_000 }));
    await readPids(pidFile); // killed by afterEach: it left the group, which no local runner can follow
    expect(o).toMatchObject({ exitCode: 0, timedOut: false });
    expect(o.output).toBe('escaped\n');
    expect(o.durationMs).toBeLessThan(5000);
  });

  it('kills a flooder early, keeping memory and kept output within the budget', async () => {
    const pidFile = path.join(tmp, 'flood.pid');
    const budget = 16 * 1024;
    const before = process.memoryUsage();
    const o = await runProcess(spec('flood.sh', [pidFile], { timeoutMs: 60_000, outputBudgetBytes: budget, floodLimitBytes: 8 * 1024 * 1024 }));
    const after = process.memoryUsage();
    expect(o.flooded).toBe(true);
    expect(o.timedOut).toBe(false);
    expect(o.signal).toBe('SIGKILL');
    expect(o.outputBytes).toBeGreaterThan(8 * 1024 * 1024);
    // `yes` prints hundreds of MB a second: being stopped near the limit means the kill was early.
    expect(o.outputBytes).toBeLessThan(64 * 1024 * 1024);
    expect(o.durationMs).toBeLessThan(10_000);
    const marker = /\n… \[dsgrade: [\d,]+ bytes of output omitted here\] …\n/.exec(o.output);
    expect(marker).not.toBeNull();
    expect(Buffer.byteLength(o.output)).toBeLessThanOrEqual(budget + Buffer.byteLength(marker![0]));
    expect(o.output.startsWith('flooding the grader')).toBe(true);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(32 * 1024 * 1024);
    await expectGone(await readPids(pidFile));
  });

  it('reports a binary that does not exist as spawnError without throwing', async () => {
    const o = await runProcess({ ...spec('exit-with.sh', []), file: path.join(tmp, 'no-such-binary'), args: [] });
    expect(o.spawnError).toMatch(/ENOENT/);
    expect(o).toMatchObject({ exitCode: null, signal: null, timedOut: false, flooded: false, output: '', outputBytes: 0 });
  });

  it('reports a working directory that does not exist as spawnError', async () => {
    const o = await runProcess({ ...spec('exit-with.sh', ['0']), cwd: path.join(tmp, 'no-such-dir') });
    expect(o.spawnError).toBeDefined();
  });
});

describe('interrupt', () => {
  it('SIGINT to a dsgrade process running a long runProcess leaves no process behind', async () => {
    const pidFile = path.join(tmp, 'interrupt.pids');
    const driver = execa(process.execPath, ['--import', 'tsx', path.join(PROGRAMS, 'interrupt-driver.ts'), pidFile], { cwd: REPO, reject: false });
    const deadline = Date.now() + 30_000;
    while (!(await fs.readFile(pidFile, 'utf8').catch(() => '')).trim().includes(' ')) {
      if (Date.now() > deadline || driver.exitCode !== null) throw new Error(`driver did not start the sleeper: ${(await driver).all ?? ''}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const pids = await readPids(pidFile);
    expect(pids.every(isAlive)).toBe(true);
    driver.kill('SIGINT');
    const result = await driver;
    expect(result.exitCode).toBe(130);
    expect(result.stdout).toBe('interrupted by SIGINT: killed 1 process group(s)');
    await expectGone(pids);
  });
});

describe('go test attempts end to end', () => {
  let moduleDir: string;
  let compiled: CompiledTests;
  let backend: ReturnType<typeof unjailedBackend>;
  let n = 0;
  const attempt = (testName: string, timeoutSec = 30, leakCheck?: { settleMs: number; cpuWindowMs: number }): Promise<AttemptRun> =>
    runAttempt(backend, {
      binary: compiled.binary,
      pkgDir: path.join(moduleDir, 'verdicts'),
      testName,
      timeoutSec,
      scratchDir: path.join(tmp, 'scratch', `${testName}-${n++}`),
      outputBudgetBytes: 64 * 1024,
      floodLimitBytes: 8 * 1024 * 1024,
      ...(leakCheck ? { leakCheck } : {}),
    });

  const goOptions = async (): Promise<Parameters<typeof compileTests>[4]> => ({
    moduleDir,
    scratchDir: path.join(tmp, 'scratch', 'compile'),
    allowDownloads: false,
    timeoutMs: 300_000,
  });

  beforeAll(async () => {
    backend = unjailedBackend(await findGo(), defaultCacheDir());
    moduleDir = path.join(tmp, 'module');
    await fs.cp(path.join(PROGRAMS, 'gotest-verdicts'), moduleDir, { recursive: true });
    await injectTestMain({ moduleDir, pkg: 'verdicts', studentFiles: ['verdicts/calc.go'] });
    compiled = await compileTests(backend, 'verdicts', false, path.join(tmp, 'bin', 'verdicts.test'), await goOptions());
    if (!compiled.ok) throw new Error(`fixture did not compile:\n${compiled.outcome.output}`);
  });

  it('passes a passing test', async () => {
    expect(await attempt('TestPass')).toMatchObject({ verdict: 'passed', reason: '' });
  });

  it('leaves nothing of the attempt\'s secret for code running in a test (fd 3 closed, variable unset, no key in the environment)', async () => {
    expect(await attempt('TestSecretIsGone')).toMatchObject({ verdict: 'passed', reason: '' });
  });

  it('reports a goroutine the package left spinning, with its stack and the CPU it burned', async () => {
    const r = await attempt('TestLeavesSpinner', 30, { settleMs: 300, cpuWindowMs: 200 });
    expect(r.verdict).toBe('passed');
    expect(r.leaks).toMatchObject({ goroutines: 1, stacks: [{ count: 1, stack: expect.stringMatching(/^\[(running|runnable)\]\nexample\.com\/verdicts\/verdicts\.StartSpinner\.func1\(\)\n\tverdicts\/calc\.go:\d+\ncreated by example\.com\/verdicts\/verdicts\.StartSpinner\n\tverdicts\/calc\.go:\d+$/) }] });
    expect(r.leaks!.settleMs).toBeGreaterThanOrEqual(300);
    // One spinning goroutine burns about a core; on a loaded 2-core machine it gets less.
    expect(r.leaks!.cpuMs! / r.leaks!.windowMs!).toBeGreaterThan(0.25);
  });

  it('reports nothing for a test that stops what the package started, whatever goroutines of its own it leaves', async () => {
    const r = await attempt('TestStopsSpinner', 30, { settleMs: 2000, cpuWindowMs: 200 });
    expect(r).toMatchObject({ verdict: 'passed', leaks: { goroutines: 0 } });
    expect(r.leaks!.settleMs).toBeLessThan(1000);
    // Without a leak check the record carries no report, and the test pays nothing.
    expect((await attempt('TestLeavesSpinner')).leaks).toBeUndefined();
  });

  it('fails a failing test with its t.Fatal line, not its t.Log line', async () => {
    expect(await attempt('TestFail')).toMatchObject({ verdict: 'failed', reason: 'calc_test.go:18: Add(2, 2) = 4, want 5' });
  });

  it('fails a test that prints forged pass lines and a test2json pass event', async () => {
    const r = await attempt('TestForgedPass');
    expect(r.output).toContain('--- PASS: TestForgedPass');
    expect(r.output).toContain('"Action":"pass"');
    expect(r).toMatchObject({ verdict: 'failed', reason: 'calc_test.go:28: forged output does not make this pass' });
  });

  it('fails a test that calls os.Exit(0) mid-test', async () => {
    expect(await attempt('TestExitZero')).toMatchObject({
      verdict: 'failed',
      reason: 'your code called os.Exit(0) while the test was running; the test did not finish',
    });
  });

  it('fails a hanging test through Go\'s own timeout, before the hard kill', async () => {
    const r = await attempt('TestHang', 2);
    expect(r).toMatchObject({ verdict: 'failed', reason: 'timed out after 2s: the goroutine dump in the output shows where each goroutine was blocked' });
    expect(r.output).toContain('calc_test.go');
    expect(r.durationMs).toBeLessThan(7000);
  });

  it('fails a panicking test and points at the student\'s line', async () => {
    expect(await attempt('TestPanic')).toMatchObject({
      verdict: 'failed',
      reason: 'panic: runtime error: index out of range [5] with length 3 (at verdicts/calc.go:10)',
    });
  });

  it('refuses a TestMain that the submission calls itself (from init, in an internal test package)', async () => {
    await injectTestMain({ moduleDir, pkg: 'callsmain', studentFiles: ['callsmain/callsmain.go'] });
    const c = await compileTests(backend, 'callsmain', false, path.join(tmp, 'bin', 'callsmain.test'), await goOptions());
    expect(c.ok, c.outcome.output).toBe(true);
    const r = await runAttempt(backend, {
      binary: c.binary,
      pkgDir: path.join(moduleDir, 'callsmain'),
      testName: 'TestDouble',
      timeoutSec: 30,
      scratchDir: path.join(tmp, 'scratch', `callsmain-${n++}`),
      outputBudgetBytes: 64 * 1024,
      floodLimitBytes: 8 * 1024 * 1024,
    });
    expect(r).toMatchObject({
      verdict: 'failed',
      reason: expect.stringMatching(/^panic: dsgrade-harness: TestMain was called by example\.com\/verdicts\/callsmain\.init\.0, not by the test binary's main: calling TestMain is not allowed \(at /),
    });
  });

  it('explains a package that imports a module the project does not provide', async () => {
    await injectTestMain({ moduleDir, pkg: 'broken', studentFiles: ['broken/broken.go'] });
    const c = await compileTests(backend, 'broken', false, path.join(tmp, 'bin', 'broken.test'), await goOptions());
    expect(c.ok).toBe(false);
    const e = explainCompileErrors(c.outcome.output, {
      handin: [{ treePath: 'broken/broken.go', displayPath: 'broken.go' }],
      ignoredStaffCopies: [],
      module: 'example.com/verdicts',
      allowDownloads: false,
    });
    expect(e.summary).toBe('imports a package the project does not provide: github.com/google/uuid');
    expect(e.text).toMatch(/^\* broken\.go:4 imports "github\.com\/google\/uuid"/);
  });
});

describe.runIf(process.getuid?.() === 0)('sealed test binaries (as root, uid sandbox)', () => {
  it("a test binary built twice to one path, plain and -race, is root's, mode 0711, and still runs as a run uid", async () => {
    const { createJail, jailConfigFromEnv } = await import('../../src/sandbox/jail.js');
    const { makeRunDir } = await import('../../src/sandbox/work-folders.js');
    const { LocalBackend } = await import('../../src/sandbox/local-backend.js');
    const { harnessTool } = await import('../../src/go/harness-tool.js');
    const { runAttempt: attempt } = await import('../../src/gotest/run.js');
    const toolchain = await findGo();
    const cacheDir = defaultCacheDir();
    const jail = (await createJail({ ...jailConfigFromEnv({ DSGRADE_SANDBOX_USER: '62600' }), mode: 'uid' }, () => harnessTool('dsgrade-jail', toolchain, cacheDir)))!;
    const jailed = new LocalBackend({ toolchain, cacheDir, jail });
    await fs.chmod(tmp, 0o711); // mkdtemp's 0700 would stop the run uid before it reaches anything
    const workDir = await fs.mkdtemp(path.join(tmp, 'work-'));
    const moduleDir = path.join(workDir, 'module');
    await fs.cp(path.join(PROGRAMS, 'gotest-verdicts'), moduleDir, { recursive: true });
    await injectTestMain({ moduleDir, pkg: 'verdicts', studentFiles: ['verdicts/calc.go'] });
    await jailed.prepareWorkDir(workDir, moduleDir);
    const runDir = await makeRunDir(path.join(moduleDir, 'verdicts'), path.join(workDir, 'run', 'verdicts'));
    const options = { moduleDir, scratchDir: path.join(workDir, 'scratch', 'compile'), allowDownloads: false, timeoutMs: 300_000 };
    for (const race of [false, true]) {
      const bin = path.join(workDir, 'bin', `verdicts${race ? '.race' : ''}.test`);
      // Twice: two suites of one package build the same file, and go must be able to replace it.
      for (let i = 0; i < 2; i++) {
        const c = await compileTests(jailed, 'verdicts', race, bin, options);
        expect(c.ok, c.outcome.output).toBe(true);
      }
      const st = await fs.stat(bin);
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o711]);
      const r = await attempt(jailed, {
        binary: bin,
        pkgDir: runDir,
        testName: 'TestPass',
        timeoutSec: 60,
        scratchDir: path.join(workDir, 'scratch', `pass-${race}`),
        outputBudgetBytes: 64 * 1024,
        floodLimitBytes: 8 * 1024 * 1024,
        race,
      });
      expect(r.verdict, r.output).toBe('passed');
    }
  });
});
