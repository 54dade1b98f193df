import { describe, expect, it } from 'vitest';
import { judgeLeaks, offends, type TestLeakRuns } from '../../src/gotest/leaks.js';
import type { LeakReport } from '../../src/gotest/record.js';
import type { LeakPolicy } from '../../src/manifest/types.js';

const POLICY: LeakPolicy = {
  name: 'Close releases everything',
  points: 1,
  visibility: 'visible',
  tags: [],
  description: 'After Close returns, every goroutine the server started returns.',
  settleMs: 1000,
  cpuWindowMs: 250,
  maxCpuPercent: 10,
  allowIdleGoroutines: false,
  exclude: ['TestStart1'],
};
const OPTS = { studentFiles: ['p0partA/server_impl.go'], displayName: (f: string) => (f === 'p0partA/server_impl.go' ? 'server_impl.go' : f) };

const clean: LeakReport = { goroutines: 0, settleMs: 3 };
const ACCEPT = '[IO wait]\nnet.(*TCPListener).Accept(...)\np0partA.(*keyValueServer).accept(...)\n\tp0partA/server_impl.go:160\ncreated by p0partA.(*keyValueServer).Start\n\tp0partA/server_impl.go:77';
const SPIN = '[running]\np0partA.(*keyValueServer).spin(...)\n\tp0partA/server_impl.go:90\ncreated by p0partA.(*keyValueServer).Start\n\tp0partA/server_impl.go:78';
const parked: LeakReport = { goroutines: 1, settleMs: 1004, cpuMs: 0, windowMs: 251, stacks: [{ count: 1, stack: ACCEPT }] };
const spinning: LeakReport = { goroutines: 2, settleMs: 1002, cpuMs: 240, windowMs: 250, stacks: [{ count: 1, stack: SPIN }, { count: 1, stack: ACCEPT }] };

const runs = (...tests: [string, ...({ verdict: 'passed' | 'failed'; leaks?: LeakReport } | LeakReport)[]][]): TestLeakRuns[] =>
  tests.map(([test, ...attempts]) => ({ test, attempts: attempts.map((a) => ('verdict' in a ? a : { verdict: 'passed' as const, leaks: a as LeakReport })) }));

describe('judgeLeaks', () => {
  it('passes when no passing test left anything, and says what was not judged', () => {
    const j = judgeLeaks(POLICY, runs(['TestBasic1', clean], ['TestCount1', { verdict: 'failed' }], ['TestStart1', parked]), OPTS);
    expect(j.verdict).toBe('passed');
    expect(j.output).toContain('None of the 1 test(s) checked left anything of yours running.');
    expect(j.output).toContain('Not judged because they did not pass: TestCount1.');
    expect(j.output).toContain('(these tests do not close everything they create): TestStart1.');
    expect(j.output).toContain('What this checks: After Close returns');
  });

  it('fails on a goroutine left parked, naming the test and quoting its stack with the student\'s file name', () => {
    const j = judgeLeaks(POLICY, runs(['TestBasic1', parked], ['TestBasic2', clean]), OPTS);
    expect(j.verdict).toBe('failed');
    expect(j.summary).toBe('TestBasic1 left goroutines of yours running after the test ended');
    expect(j.output).toContain('  TestBasic1: 1 goroutine still there 1.0 s after the test ended, using 0% of a core while nothing else ran');
    expect(j.output).toContain('--- 1 goroutine like this, in TestBasic1 ---\n[IO wait]\nnet.(*TCPListener).Accept(...)\np0partA.(*keyValueServer).accept(...)\n\tserver_impl.go:160\ncreated by');
  });

  it('deduplicates stacks across tests and names the CPU burned', () => {
    const j = judgeLeaks(POLICY, runs(['TestBasic1', spinning], ['TestCount1', parked], ['TestCount2', spinning]), OPTS);
    expect(j.verdict).toBe('failed');
    expect(j.summary).toBe('TestBasic1, TestCount1, TestCount2 left goroutines of yours running after the test ended, burning up to 96% of a core');
    // ACCEPT appears in all three tests, once; SPIN in two.
    expect(j.output.split('created by p0partA.(*keyValueServer).Start\n\tserver_impl.go:77')).toHaveLength(2);
    expect(j.output).toContain('--- 3 goroutines like this, in TestBasic1, TestCount1, TestCount2 ---\n[IO wait]');
    expect(j.output).toContain('--- 2 goroutines like this, in TestBasic1, TestCount2 ---\n[running]');
    expect(j.output.indexOf('[IO wait]')).toBeLessThan(j.output.indexOf('[running]'));
  });

  it('with allowIdleGoroutines, only CPU counts', () => {
    const idle = { ...POLICY, allowIdleGoroutines: true };
    expect(judgeLeaks(idle, runs(['TestBasic1', parked]), OPTS).verdict).toBe('passed');
    expect(judgeLeaks(idle, runs(['TestBasic1', spinning]), OPTS).verdict).toBe('failed');
    expect(offends(idle, { ...spinning, cpuMs: 25 })).toBe(false);
    expect(offends(idle, { ...spinning, cpuMs: 26 })).toBe(true);
  });

  it('counts a test once, by its worst passing attempt; failing attempts say nothing', () => {
    const j = judgeLeaks(POLICY, runs(['TestBasic1', clean, parked, { verdict: 'failed' }, spinning]), OPTS);
    expect(j.output).toContain('TestBasic1: 2 goroutines still there 1.0 s after the test ended, using 96% of a core');
    expect(judgeLeaks(POLICY, runs(['TestBasic1', clean, { verdict: 'failed', leaks: spinning }]), OPTS).verdict).toBe('passed');
  });

  it('does not judge a test whose Close call had not returned (the contract lets Close block)', () => {
    const closing: LeakReport = { ...parked, closing: ['github.com/cmu440/lsp.(*server).Close'] };
    const j = judgeLeaks(POLICY, runs(['TestBackoff4', closing], ['TestBasic1', clean]), OPTS);
    expect(j.verdict).toBe('passed');
    expect(j.output).toContain('a Close they called had not returned when the check ended (its goroutines may stay until it does): TestBackoff4 (lsp.(*server).Close).');
    // Another attempt of the same test that leaked with no Close pending still counts.
    expect(judgeLeaks(POLICY, runs(['TestBackoff4', closing, parked]), OPTS).verdict).toBe('failed');
  });

  it('fails, not judged, when nothing it covers passed or ran', () => {
    expect(judgeLeaks(POLICY, runs(['TestBasic1', { verdict: 'failed' }]), OPTS)).toMatchObject({ verdict: 'failed', summary: 'not judged: none of the tests it covers passed' });
    expect(judgeLeaks(POLICY, [], OPTS)).toMatchObject({ verdict: 'failed', summary: 'not judged: none of the tests it covers ran (select the whole suite)' });
  });
});
