import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RunsSummary } from '../../src/model.js';
import { createProgress, renderTable } from '../../src/report/terminal.js';
import { makeReport, makeTest } from './fixtures.js';

const RUNS: RunsSummary = {
  counted: 8,
  passed: 7,
  failed: 1,
  errors: 0,
  rule: 'points × the share of passing runs',
  passRate: 0.875,
  interval: { low: 0.529, high: 0.978 },
  failing: [{ run: 3, seed: 123, rerun: "DSGRADE_SEED=123 RPC_SEED=123 go test -race -count=1 -run '^TestFigure8_2B$' ./raft" }],
  replays: 'the same network faults',
};

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

describe('renderTable', () => {
  const report = makeReport();

  it('lists every test with its verdict, points and time, without ANSI when color is false', () => {
    const out = renderTable(report, { color: false, width: 120 });
    expect(out).not.toMatch(ANSI);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^#\s+Test\s+Result\s+Points\s+Time\s+Summary$/);
    const row = (id: string) => lines.find((l) => l.includes(id))!;
    expect(row('checkpoint/TestBasic1')).toMatch(/^1\.1\s+checkpoint\/TestBasic1\s+PASS\s+5\/5\s+310ms$/);
    expect(row('checkpoint/TestBasic2')).toMatch(/FAIL\s+0\/5\s+2\.0s\s+expected 100 keys after Put, got 97$/);
    expect(row('final/TestCrashRecovery')).toMatch(/ERROR\s+0\/10\s+12\.3s\s+go test exited with signal SIGKILL/);
    expect(row('final/TestSlowClient')).toContain('flaky');
  });

  it('ends with the notices, the total, the seed and how to rerun a failed test', () => {
    const out = renderTable(report, { color: false, width: 120 });
    expect(out).toContain('warning: ignored 2 staff files in the submission');
    expect(out).toContain('info: built with go1.22.5');
    expect(out).toContain(`Score: ${report.score}/${report.maxScore}  (3 passed, 1 failed, 1 error)`);
    expect(out).toContain('1 test could not be decided by dsgrade (harness error)');
    expect(out).toContain('Seed: 4242');
    expect(out).toContain('Rerun a failed test: dsgrade run projects/p0 ./submission --only checkpoint/TestBasic2 --seed 4242');
  });

  it('lists the runs that failed, with the pass rate, and the rerun line of one failing run that is never cut', () => {
    const flakyPass = makeTest({ suite: '2B', name: 'TestFigure8_2B', verdict: 'passed', flaky: true, runs: RUNS });
    const out = renderTable(makeReport({ tests: [flakyPass, makeTest({ suite: '2B', name: 'TestStop2B' })] }), { color: false, width: 140 });
    const lines = out.split('\n');
    expect(lines.find((l) => l.includes('2B/TestFigure8_2B') && l.includes('PASS'))).toMatch(/flaky: passed 7 of 8 runs \(failing seed 123\)/);
    const at = lines.indexOf('Runs that failed (each run has its own seed):');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {2}2B\/TestFigure8_2B: passed 7 of 8 runs \(failing seed 123\); pass rate 88 % \(95 % confidence interval 53 %–98 %/);
    expect(lines[at + 2]).toBe(`    Run 3 (seed 123) reruns with the same network faults — not the same goroutine interleaving, so it may pass — in the module folder with the staff tests: ${RUNS.failing[0]!.rerun}`);
    // No section when every run passed.
    const clean = renderTable(makeReport({ tests: [makeTest({ suite: '2B', name: 'TestX', runs: { ...RUNS, passed: 8, failed: 0, passRate: 1, failing: [] } })] }), { color: false });
    expect(clean).not.toContain('Runs that failed');
  });

  it('colours verdicts when color is true, and only then', () => {
    const out = renderTable(report, { color: true, width: 120 });
    expect(out).toContain('\u001b[32mPASS\u001b[0m');
    expect(out).toContain('\u001b[31mFAIL\u001b[0m');
    expect(out).toContain('\u001b[33mERROR\u001b[0m');
    // Same layout once the colour codes are removed.
    expect(stripAnsi(out)).toBe(renderTable(report, { color: false, width: 120 }));
  });

  it('cuts long summaries to the width', () => {
    const long = makeTest({ suite: 's', name: 'TestLong', verdict: 'failed', summary: `too slow: ${'x'.repeat(500)}` });
    for (const width of [60, 80, 100]) {
      const out = renderTable(makeReport({ tests: [long] }), { color: false, width });
      const row = out.split('\n').find((l) => l.includes('s/TestLong'))!;
      expect(row.length).toBe(width);
      expect(row.endsWith('…')).toBe(true);
      expect(row).toContain('too slow: xxx');
      for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(width);
    }
    const coloured = renderTable(makeReport({ tests: [long] }), { color: true, width: 60 });
    for (const line of stripAnsi(coloured).split('\n')) expect(line.length).toBeLessThanOrEqual(60);
  });

  it('keeps student output from writing escape sequences to the terminal', () => {
    const evil = makeTest({ suite: 's', name: 'T', verdict: 'failed', summary: '\u001b[2J\u001b]0;pwned\u0007cleared\r\nsecond line' });
    const out = renderTable(makeReport({ tests: [evil] }), { color: false });
    expect(out).not.toContain('\u001b');
    expect(out).toContain('cleared');
    expect(out).not.toContain('second line');
  });

  it('says where the run report of each failed test is, relative to the results folder or absolute', () => {
    const withPages = makeReport({
      tests: [
        makeTest({ suite: '2A', name: 'TestVoteOnce2A', verdict: 'failed', score: 0, runReport: 'run-reports/2A/TestVoteOnce2A.html' }),
        makeTest({ suite: 'echo', name: 'partition', verdict: 'failed', score: 0, runReport: '/tmp/art/echo/partition/report.html' }),
        makeTest({ suite: 'ok', name: 'T', verdict: 'passed', runReport: 'run-reports/ok/T.html' }),
      ],
    });
    const out = renderTable(withPages, { color: false, width: 40 });
    expect(out).toContain('Run report of 2A/TestVoteOnce2A: run-reports/2A/TestVoteOnce2A.html (in the results folder)');
    expect(out).toContain('Run report of echo/partition: /tmp/art/echo/partition/report.html\n');
    expect(out).not.toContain('ok/T.html');
  });

  it('omits the rerun line when nothing failed', () => {
    const out = renderTable(makeReport({ tests: [makeTest({ suite: 's', name: 'T' })], notices: [] }), { color: false });
    expect(out).not.toContain('Rerun');
    expect(out).toContain('Score: 5/5  (1 passed, 0 failed, 0 errors)');
  });
});

function sink(columns?: number) {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  if (columns) Object.assign(stream, { columns });
  return { stream, text: () => chunks.join(''), chunks };
}

describe('createProgress', () => {
  const pass = makeTest({ suite: 'partA', name: 'TestBasic1' });
  const fail = makeTest({ suite: 'partA', name: 'TestBasic3', verdict: 'failed', summary: 'wrong value', durationMs: 800 });

  it('writes nothing when there are no tests', () => {
    for (const isTTY of [true, false]) {
      const s = sink();
      const p = createProgress(s.stream, { isTTY, total: 0 });
      p.start('x');
      p.done();
      expect(s.text()).toBe('');
    }
  });

  it('writes one plain line per finished test when not a TTY', () => {
    const s = sink();
    const p = createProgress(s.stream, { isTTY: false, total: 12 });
    p.start(pass.id);
    p.start(fail.id);
    p.finish(pass);
    p.finish(fail);
    p.done();
    expect(s.text()).toBe('[ 1/12] PASS partA/TestBasic1 5/5 (1.2s)\n[ 2/12] FAIL partA/TestBasic3 0/5 (800ms) — wrong value\n');
    expect(s.text()).not.toMatch(ANSI);
  });

  it('rewrites a single status line on a TTY and clears it when done', () => {
    const s = sink();
    const p = createProgress(s.stream, { isTTY: true, total: 40 });
    p.start(fail.id);
    p.start(pass.id);
    p.finish(fail);
    expect(s.chunks.at(-1)).toBe('\r\u001b[2K[ 1/40] running partA/TestBasic1 … 1 failed so far');
    expect(s.chunks[1]).toBe('\r\u001b[2K[ 0/40] running partA/TestBasic3 (+1 more)');
    p.finish(pass);
    p.done();
    expect(s.chunks.at(-1)).toBe('\r\u001b[2K');
    expect(s.text()).not.toContain('\n');
    p.finish(pass); // after done: ignored
    expect(s.chunks.at(-1)).toBe('\r\u001b[2K');
  });

  it('keeps the status line within the terminal width', () => {
    const s = sink(30);
    const p = createProgress(s.stream, { isTTY: true, total: 3 });
    p.start('suite/TestWithAVeryLongNameThatWouldWrap');
    const line = s.chunks.at(-1)!.replace('\r\u001b[2K', '');
    expect(line.length).toBeLessThanOrEqual(29);
  });
});
