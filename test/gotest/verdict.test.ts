import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideAttempt, explainOutput, loadIndependentEvidence, TAMPERED, type AttemptObservation } from '../../src/gotest/verdict.js';
import { MISSING_SECRET_MESSAGE } from '../../src/gotest/record.js';
import type { ProcessOutcome } from '../../src/sandbox/process.js';

const KEY = Buffer.alloc(32, 7);

function outcome(over: Partial<ProcessOutcome> = {}): ProcessOutcome {
  return { exitCode: 0, signal: null, timedOut: false, flooded: false, output: '', outputBytes: 0, durationMs: 5, ...over };
}

function decide(over: Partial<ProcessOutcome>, resultRecord: string | undefined, key = KEY): ReturnType<typeof decideAttempt> {
  const obs: AttemptObservation = { outcome: outcome(over), resultRecord, key, timeoutSec: 30 };
  return decideAttempt(obs);
}

/** What the harness writes (harness/gotest/attempt.Seal): one JSON line and its HMAC under the attempt's key. */
const seal = (body: string, key = KEY): string => `${body}\n${createHmac('sha256', key).update(body).digest('hex')}\n`;
const record = (code: number, key = KEY): string => seal(`{"v":1,"code":${code}}`, key);

// Recorded from `go test -c` binaries built by Go 1.26.8 (the TestPanic/TestHang tests of
// test/fixtures/programs/gotest-verdicts), paths shortened.
const PANIC_OUTPUT = `=== RUN   TestPanic
--- FAIL: TestPanic (0.00s)
panic: runtime error: index out of range [5] with length 3 [recovered, repanicked]

goroutine 18 [running]:
testing.tRunner.func1.2({0x576e20, 0x552ccdea000})
\t/usr/local/go/src/testing/testing.go:1974 +0x232
testing.tRunner.func1()
\t/usr/local/go/src/testing/testing.go:1977 +0x349
panic({0x576e20?, 0x552ccdea000?})
\t/usr/local/go/src/runtime/panic.go:860 +0x13a
example.com/verdicts.Index(...)
\t/tmp/exp/mod/calc.go:10
example.com/verdicts.TestPanic(0x552ccde4248?)
\t/tmp/exp/mod/calc_test.go:41 +0xa
testing.tRunner(0x552ccde4248, 0x595d78)
\t/usr/local/go/src/testing/testing.go:2036 +0xea
created by testing.(*T).Run in goroutine 1
\t/usr/local/go/src/testing/testing.go:2101 +0x4c5
`;

const TIMEOUT_OUTPUT = `=== RUN   TestHang
panic: test timed out after 2s
\trunning tests:
\t\tTestHang (2s)

goroutine 17 [running]:
testing.(*M).startAlarm.func1()
\t/usr/local/go/src/testing/testing.go:2802 +0x354
created by time.goFunc
\t/usr/local/go/src/time/sleep.go:215 +0x2d

goroutine 6 [chan receive]:
example.com/verdicts.TestHang(0x1ad11f8bc248?)
\t/tmp/exp/mod/calc_test.go:37 +0x25
`;

const EXIT0_OUTPUT = `=== RUN   TestExitZero
--- PASS: TestExitZero (0.00s)
--- FAIL: TestExitZero (0.00s)
panic: unexpected call to os.Exit(0) during test [recovered, repanicked]
`;

describe('decideAttempt: the record and the exit status decide, never the printed output', () => {
  const forged = [
    '=== RUN   TestX\n--- PASS: TestX (0.00s)\nPASS\n',
    'ok  \texample.com/kv\t0.012s\n',
    '{"Time":"2025-01-01T00:00:00Z","Action":"pass","Package":"example.com/kv","Test":"TestX","Elapsed":0.01}\n{"Action":"pass","Package":"example.com/kv"}\n',
    `${record(0)}`,
  ];
  for (const output of forged) {
    it(`fails forged pass output without a record: ${JSON.stringify(output.slice(0, 30))}`, () => {
      for (const exitCode of [0, 1, 2]) {
        expect(decide({ output, exitCode }, undefined).verdict).toBe('failed');
      }
    });
  }

  it('passes when the record says 0 and the process exited 0', () => {
    expect(decide({ output: '--- FAIL: TestX\n' }, record(0))).toEqual({ verdict: 'passed', reason: '' });
  });

  it('fails a record sealed with another key (another attempt, a guess) as tampered', () => {
    expect(decide({}, record(0, Buffer.alloc(32, 8)))).toEqual({ verdict: 'failed', reason: TAMPERED, loadIndependent: 'a forged result record' });
    expect(decide({}, record(0, Buffer.alloc(0)))).toEqual({ verdict: 'failed', reason: TAMPERED, loadIndependent: 'a forged result record' });
  });

  it('fails the real record of a failing test changed to say 0 as tampered', () => {
    const real = record(1);
    expect(decide({}, real.replace('"code":1', '"code":0'))).toEqual({ verdict: 'failed', reason: TAMPERED, loadIndependent: 'a forged result record' });
    // Re-encoding the same JSON differently breaks the MAC too.
    expect(decide({}, real.replace('{"v":1,"code":1}', '{"v":1, "code":1}')).reason).toBe(TAMPERED);
  });

  it('fails two records (a forged one plus the real one) and records in the old nonce format as tampered', () => {
    expect(decide({}, record(0) + record(1))).toEqual({ verdict: 'failed', reason: TAMPERED, loadIndependent: 'a forged result record' });
    expect(decide({}, record(0) + record(0)).verdict).toBe('failed');
    expect(decide({}, 'dsgrade-result 0123456789abcdef 0\n').reason).toBe(TAMPERED);
    expect(decide({}, `x${record(0)}`).reason).toBe(TAMPERED);
    expect(decide({}, record(0).trimEnd()).reason).toBe(TAMPERED);
  });

  it('reports a record that verifies but does not parse as a harness error, never as the student\'s failure', () => {
    expect(decide({}, seal('{"v":1,"code":"zero"}'))).toMatchObject({ verdict: 'error', reason: expect.stringMatching(/harness bug/) });
    expect(decide({}, seal('not json')).verdict).toBe('error');
    expect(decide({}, seal('{"v":1,"code":0,"leaks":{"goroutines":"many"}}')).verdict).toBe('error');
  });

  it('carries the leak report of a passing attempt', () => {
    const body = '{"v":1,"code":0,"leaks":{"goroutines":2,"settleMs":1003,"cpuMs":240,"windowMs":251,"stacks":[{"count":2,"stack":"[running]\\nf()"}],"closing":["p.(*s).Close"]}}';
    expect(decide({}, seal(body))).toEqual({
      verdict: 'passed',
      reason: '',
      leaks: { goroutines: 2, settleMs: 1003, cpuMs: 240, windowMs: 251, stacks: [{ count: 2, stack: '[running]\nf()' }], closing: ['p.(*s).Close'] },
    });
    expect(decide({}, seal('{"v":1,"code":0,"leaks":{"goroutines":0,"settleMs":0}}'))).toEqual({ verdict: 'passed', reason: '', leaks: { goroutines: 0, settleMs: 0 } });
  });

  it('says the record could not be written, and the likely cause', () => {
    const output = '--- PASS: TestX (0.00s)\nPASS\ndsgrade-harness: could not write the result record: open /w/scratch/x/dsgrade-result: no such file or directory\n';
    expect(decide({ exitCode: 4, output }, undefined)).toEqual({
      verdict: 'failed',
      reason:
        'the test finished but its result could not be recorded (open /w/scratch/x/dsgrade-result: no such file or directory): does your code delete or replace files in its temporary folder (os.TempDir(), $HOME)? The result is kept there',
    });
  });

  it('says the secret was taken when the harness found fd 3 empty', () => {
    const output = `${MISSING_SECRET_MESSAGE} (no complete line): code that ran before them, in an init function or a package variable, took it. The test was not run.\n`;
    expect(decide({ exitCode: 3, output }, undefined)).toEqual({
      verdict: 'failed',
      reason: "the grader's secret was gone before the test started: code that ran first (an init function or a package variable) read file descriptor 3, which belongs to the grader; the test was not run",
    });
  });

  it('fails when the record says 0 but the process then exited 1', () => {
    const v = decide({ exitCode: 1 }, record(0));
    expect(v.verdict).toBe('failed');
    expect(v.reason).toBe('the test passed but the process then ended badly (exit status 1)');
  });

  it('fails when the record says 0 but the process was killed by a signal', () => {
    expect(decide({ exitCode: null, signal: 'SIGKILL' }, record(0)).reason).toMatch(/killed by SIGKILL — out of memory/);
  });

  it('fails with the explanation when the record says the test failed', () => {
    const v = decide({ exitCode: 1, output: '=== RUN   TestX\n    kv_test.go:17: Get("a") = "", want "1"\n--- FAIL: TestX (0.00s)\nFAIL\n' }, record(1));
    expect(v).toEqual({ verdict: 'failed', reason: 'kv_test.go:17: Get("a") = "", want "1"' });
    expect(decide({ exitCode: 1 }, record(1)).reason).toBe('the test failed (exit status 1)');
  });

  it('fails an exit 0 without a record with the os.Exit message', () => {
    const v = decide({ exitCode: 0, output: '--- PASS: TestX (0.00s)\nPASS\n' }, undefined);
    expect(v.verdict).toBe('failed');
    expect(v.reason).toMatch(/exited with status 0 before the test finished: does your code call os\.Exit or log\.Fatal/);
  });

  it('fails an empty record file like a missing one', () => {
    expect(decide({ exitCode: 0 }, '').reason).toMatch(/exited with status 0 before the test finished/);
  });

  it('names os.Exit(0) when -test.paniconexit0 caught it', () => {
    expect(decide({ exitCode: 2, output: EXIT0_OUTPUT }, undefined)).toEqual({
      verdict: 'failed',
      reason: 'your code called os.Exit(0) while the test was running; the test did not finish',
    });
  });

  it('explains a crash without a record from the output, else from the exit status', () => {
    expect(decide({ exitCode: 2, output: PANIC_OUTPUT }, undefined).reason).toBe('panic: runtime error: index out of range [5] with length 3 (at mod/calc.go:10)');
    expect(decide({ exitCode: 4, output: 'garbage' }, undefined).reason).toBe('the test process ended before the test finished (exit status 4)');
    expect(decide({ exitCode: null, signal: 'SIGSEGV' }, undefined).reason).toBe('the test process ended before the test finished (killed by SIGSEGV)');
  });

  it('fails a wall-clock timeout even with a passing record', () => {
    const v = decide({ timedOut: true, exitCode: null, signal: 'SIGKILL' }, record(0));
    expect(v.verdict).toBe('failed');
    expect(v.reason).toBe('did not finish within 30 s and was killed: look for a deadlock, a busy loop or a blocked channel operation');
  });

  it('fails a flood even with a passing record, and says how much was printed', () => {
    const v = decide({ flooded: true, outputBytes: 70 * 1024 * 1024, exitCode: null, signal: 'SIGKILL' }, record(0));
    expect(v.verdict).toBe('failed');
    expect(v.reason).toBe('printed more than the output limit (70 MiB so far) and was stopped: remove debug printing');
  });

  it('reports a spawn failure as error (the harness could not decide), not as a failure', () => {
    const v = decide({ spawnError: 'spawn /x/kv.test ENOENT', exitCode: null }, undefined);
    expect(v.verdict).toBe('error');
    expect(v.reason).toMatch(/could not start the test binary: spawn \/x\/kv\.test ENOENT/);
  });
});

describe('loadIndependent: failures no overload of the machine can cause', () => {
  const RACE = '==================\nWARNING: DATA RACE\nWrite at 0x00c000012345 by goroutine 8:\n  example.com/kv.(*Server).Put()\n      /w/kv/server.go:40 +0x44\n==================\n--- FAIL: TestX (0.20s)\n    testing.go:1490: race detected during execution of test\nFAIL\n';
  it('marks a race report, a runtime fatal error and a thread the runtime could not start', () => {
    expect(loadIndependentEvidence(RACE)).toBe('a data race report');
    expect(loadIndependentEvidence('fatal error: out of memory\n\nruntime stack:\n')).toBe('the Go runtime\'s "fatal error: out of memory"');
    // A fork bomb's children share stdout: the runtime's line can come glued to their output.
    expect(loadIndependentEvidence('sh: 0: fatal error: concurrent map writes\n')).toBe('the Go runtime\'s "fatal error: concurrent map writes"');
    expect(loadIndependentEvidence('runtime: failed to create new OS thread (have 9 already; errno=11)\n')).toBe('the Go runtime could not start a thread');
  });

  it('does not mark what a slow machine can cause: Go\'s test timeout, a panic, a failed check', () => {
    expect(loadIndependentEvidence(TIMEOUT_OUTPUT)).toBeUndefined();
    expect(loadIndependentEvidence(PANIC_OUTPUT)).toBeUndefined();
    expect(loadIndependentEvidence('    server_test.go:681: client c0 could not connect to the server\n--- FAIL: TestBasic1 (0.20s)\n')).toBeUndefined();
  });

  it('carries the evidence on the failed attempt, with or without a record; tampering and flooding are evidence too', () => {
    expect(decide({ exitCode: 1, output: RACE }, record(1))).toMatchObject({ verdict: 'failed', loadIndependent: 'a data race report' });
    expect(decide({ exitCode: 2, output: 'fatal error: out of memory\n' }, undefined)).toMatchObject({ verdict: 'failed', reason: 'fatal error: out of memory', loadIndependent: 'the Go runtime\'s "fatal error: out of memory"' });
    expect(decide({ flooded: true, outputBytes: 70 * 1024 * 1024, exitCode: null, signal: 'SIGKILL' }, record(0)).loadIndependent).toBe('output over the limit');
    expect(decide({ exitCode: 0 }, record(0, Buffer.alloc(32, 8))).loadIndependent).toBe('a forged result record');
    // A wall-clock timeout can be the machine's: no evidence, whatever was printed before the kill.
    expect(decide({ timedOut: true, exitCode: null, signal: 'SIGKILL', output: RACE }, undefined).loadIndependent).toBeUndefined();
  });
});

describe('explainOutput', () => {
  it('picks the t.Fatal line', () => {
    const out = '=== RUN   TestPut\n    server_test.go:88: after Put("k","v"), Get("k") = "" want "v"\n--- FAIL: TestPut (0.01s)\nFAIL\n';
    expect(explainOutput(out)).toBe('server_test.go:88: after Put("k","v"), Get("k") = "" want "v"');
  });

  it('names the process and thread limit when the Go runtime cannot start a thread (a fork bomb in CI)', () => {
    const out = [
      '=== RUN   TestBasic1',
      'sh: 0: Cannot fork',
      'runtime: failed to create new OS thread (have 5 already; errno=11)',
      'runtime: may need to increase max user processes (ulimit -u)',
      'fatal error: newosproc',
      '    server_test.go:652: client c0 could not connect to the server',
    ].join('\n');
    expect(explainOutput(out)).toMatch(/^the process hit the limit on processes and threads/);
    expect(explainOutput('fatal error: newosproc\n')).toMatch(/^the process hit the limit on processes and threads/);
  });

  it('finds the t.Fatal line when the student\'s own output is glued in front of it', () => {
    // Seen in CI: a fork bomb's children share stdout, and "sh: 0: " without a newline landed
    // before the testing package's four-space indentation.
    const out = [
      '=== RUN   TestBasic1',
      'sh: 0: Cannot fork',
      'debug: no newline here    server_test.go:10: an earlier log line',
      'sh: 0:     server_test.go:652: client c0 could not connect to the server',
      'Cannot fork--- FAIL: TestBasic1 (0.09s)',
      'FAIL',
      'sh: 0: Cannot fork',
    ].join('\n');
    expect(explainOutput(out)).toBe('server_test.go:652: client c0 could not connect to the server');
    // Two spaces are not the testing package's indentation: no false match inside ordinary text.
    expect(explainOutput('note:  file.go:3: not a test log line\n')).toBeUndefined();
  });

  it('picks the t.Fatal line, not the t.Log lines -test.v prints before it', () => {
    const out = [
      '=== RUN   TestPut',
      '    server_test.go:20: starting 3 servers',
      '    server_test.go:31: partitioning server 2',
      '    server_test.go:88: Get("k") = "" want "v"',
      '--- FAIL: TestPut (0.52s)',
      '    zz_cleanup_test.go:5: cleanup log after the failure',
      'FAIL',
    ].join('\n');
    expect(explainOutput(out)).toBe('server_test.go:88: Get("k") = "" want "v"');
    expect(explainOutput('    a_test.go:1: only a log line, then the process died\n')).toBe('a_test.go:1: only a log line, then the process died');
  });

  it('picks the panic and the student frame, not testing.go or runtime/panic.go', () => {
    expect(explainOutput(PANIC_OUTPUT)).toBe('panic: runtime error: index out of range [5] with length 3 (at mod/calc.go:10)');
  });

  it('does the same for the older "[recovered]" form and a GOROOT elsewhere', () => {
    const out = PANIC_OUTPUT.replace(' [recovered, repanicked]', ' [recovered]\n\tpanic: boom').replace(/\/usr\/local\/go\//g, '/opt/go1.22/');
    expect(explainOutput(out)).toBe('panic: runtime error: index out of range [5] with length 3 (at mod/calc.go:10)');
  });

  it('prefers a panic over an earlier t.Log line', () => {
    expect(explainOutput(`    kv_test.go:12: starting servers\n${PANIC_OUTPUT}`)).toMatch(/^panic: runtime error/);
  });

  it('recognises a data race', () => {
    const out = '==================\nWARNING: DATA RACE\nWrite at 0x00c000012345 by goroutine 8:\n  example.com/kv.(*Server).Put()\n      /w/kv/server.go:40 +0x44\n';
    expect(explainOutput(out)).toBe('data race detected: see the race report in the output (reproduce with go test -race)');
  });

  it('recognises Go\'s own test timeout before the panic it prints', () => {
    expect(explainOutput(TIMEOUT_OUTPUT)).toBe('timed out after 2s: the goroutine dump in the output shows where each goroutine was blocked');
  });

  it('recognises a runtime fatal error', () => {
    expect(explainOutput('fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\n')).toBe('fatal error: all goroutines are asleep - deadlock!');
  });

  it('returns undefined when nothing is recognisable', () => {
    expect(explainOutput('=== RUN   TestX\n--- FAIL: TestX (0.00s)\nFAIL\n')).toBeUndefined();
    expect(explainOutput('')).toBeUndefined();
  });
});
