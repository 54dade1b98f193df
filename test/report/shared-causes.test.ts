/**
 * One cause, one message (#10 item 7): failures with the same data race or the same panic are
 * grouped, from real recorded output (test/fixtures/outputs/README.md), in every reporter.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestResult, Visibility } from '../../src/model.js';
import { toGradescopeResults, validateGradescopeResults } from '../../src/report/gradescope-results.js';
import { renderJUnit } from '../../src/report/junit.js';
import { causesIn, findSharedCauses, sharedCauseLines } from '../../src/report/shared-causes.js';
import { renderTable } from '../../src/report/terminal.js';
import { makeReport, makeTest } from './fixtures.js';
import { findAll, parseXml, textOf } from './xml.js';

const recorded = (name: string): string => readFileSync(path.resolve('test/fixtures/outputs', name), 'utf8');
const RACE_A = recorded('race-teardown-TestA.txt');
const RACE_B = recorded('race-teardown-TestB.txt');
const RACE_C = recorded('race-counter-TestC.txt');
const PANIC_1 = recorded('panic-nil-map-TestP1.txt');
const PANIC_2 = recorded('panic-nil-map-TestP2.txt');

/** A failed test whose output holds `output` the way gotest-stage frames it. */
function failed(name: string, output: string, visibility: Visibility = 'visible'): TestResult {
  return makeTest({
    suite: 'partA',
    name,
    verdict: 'failed',
    visibility,
    summary: 'data race detected: see the race report in the output (reproduce with go test -race)',
    output: `This test runs with the race detector (-race).\n\n--- output of the test ---\n${output}\n---`,
  });
}

describe('causesIn', () => {
  it('reads a race report as its two stack tops, in the code under test', () => {
    expect(causesIn(RACE_A)).toEqual([
      {
        kind: 'race',
        key: expect.any(String),
        title: 'the same data race (server_impl.go:14 vs :21)',
        detail: ['Read at kv/server_impl.go:14 in (*server).Start.func1', 'Previous write at kv/server_impl.go:21 in (*server).Close'],
      },
    ]);
  });

  it('the same race from two tests has one key (the test functions on the stack do not count); another race has another', () => {
    expect(causesIn(RACE_B)[0]!.key).toBe(causesIn(RACE_A)[0]!.key);
    expect(causesIn(RACE_C)[0]!.key).not.toBe(causesIn(RACE_A)[0]!.key);
  });

  it('the same race reported the other way round (write first) is the same race', () => {
    // Swap the two access blocks of the recorded report.
    const swapped = RACE_A.replace(
      /(Read at 0x[0-9a-f]+ by goroutine 8:\n(?:.+\n)+)\n(Previous write at 0x[0-9a-f]+ by goroutine 7:\n(?:.+\n)+)/,
      (_m, read: string, write: string) => `${write.replace('Previous write', 'Write')}\n${read.replace('Read', 'Previous read')}`,
    );
    expect(swapped).not.toBe(RACE_A);
    expect(causesIn(swapped)[0]!.key).toBe(causesIn(RACE_A)[0]!.key);
  });

  it('reads a panic as its message and the first frame outside the Go installation', () => {
    expect(causesIn(PANIC_1)).toEqual([
      {
        kind: 'panic',
        key: expect.any(String),
        title: 'the same panic (assignment to entry in nil map at server_impl.go:27)',
        detail: ['panic: assignment to entry in nil map', 'at kv/server_impl.go:27 in (*server).Crash'],
      },
    ]);
    expect(causesIn(PANIC_2)[0]!.key).toBe(causesIn(PANIC_1)[0]!.key);
  });

  it('finds nothing in a plain assertion failure or a timeout', () => {
    expect(causesIn('=== RUN   TestX\n    x_test.go:9: got 1, want 2\n--- FAIL: TestX (0.00s)\n')).toEqual([]);
    expect(causesIn('panic: test timed out after 30s\n\ngoroutine 1 [running]:\n')).toEqual([]);
  });
});

describe('findSharedCauses', () => {
  it('groups failed tests by cause, two or more per group, largest first; passed tests do not count', () => {
    const tests = [
      failed('TestA', RACE_A),
      failed('TestB', RACE_B),
      failed('TestC', RACE_C),
      failed('TestP1', PANIC_1),
      failed('TestP2', PANIC_2),
      failed('TestP3', PANIC_1),
      makeTest({ suite: 'partA', name: 'TestPassedWithRaceText', output: RACE_A }),
    ];
    const causes = findSharedCauses(tests);
    expect(causes.map((c) => [c.title, c.tests])).toEqual([
      ['the same panic (assignment to entry in nil map at server_impl.go:27)', ['partA/TestP1', 'partA/TestP2', 'partA/TestP3']],
      ['the same data race (server_impl.go:14 vs :21)', ['partA/TestA', 'partA/TestB']],
    ]);
  });

  it("a test's own lines name only the tests a student may see with it", () => {
    const tests = [failed('TestA', RACE_A), failed('TestB', RACE_B), failed('TestHidden', RACE_A, 'hidden'), failed('TestLater', RACE_A, 'after_due_date')];
    const causes = findSharedCauses(tests);
    const vis = new Map(tests.map((t) => [t.id, t.visibility]));
    expect(sharedCauseLines(tests[0]!, causes, (id) => vis.get(id))[0]).toBe('The same data race (server_impl.go:14 vs :21) also failed 1 other test (partA/TestB): fix it once.');
    expect(sharedCauseLines(tests[3]!, causes, (id) => vis.get(id))[0]).toMatch(/also failed 2 other tests \(partA\/TestA, partA\/TestB\)/);
    expect(sharedCauseLines(tests[2]!, causes, (id) => vis.get(id))[0]).toMatch(/also failed 3 other tests/);
    // Staff-facing reports name every test.
    expect(sharedCauseLines(tests[0]!, causes)[0]).toMatch(/also failed 3 other tests \(partA\/TestB, partA\/TestHidden, partA\/TestLater\)/);
  });
});

describe('in the reports: one race, one message', () => {
  const twenty = Array.from({ length: 20 }, (_, i) => failed(`TestTeardown${i + 1}`, i % 2 ? RACE_B : RACE_A));
  const report = makeReport({ tests: [...twenty, failed('TestOther', RACE_C)], notices: [] });

  it('results.json: the header says it once, with the stack tops; each test names the others', () => {
    const r = toGradescopeResults(report, { testOutputBytes: 8192 });
    expect(r.output).toContain('One cause behind several failures (fix it once, and all of them may pass):\n  The same data race (server_impl.go:14 vs :21) failed these 20 tests: partA/TestTeardown1,');
    expect(r.output).toContain('    Read at kv/server_impl.go:14 in (*server).Start.func1\n    Previous write at kv/server_impl.go:21 in (*server).Close');
    expect(r.output!.match(/The same data race/g)).toHaveLength(1);
    const first = r.tests![0]!.output!.split('\n');
    expect(first[0]).toBe('Failed: data race detected: see the race report in the output (reproduce with go test -race)');
    expect(first[1]).toBe('The same data race (server_impl.go:14 vs :21) also failed 19 other tests (partA/TestTeardown2, partA/TestTeardown3, partA/TestTeardown4, partA/TestTeardown5, partA/TestTeardown6, partA/TestTeardown7 and 13 more): fix it once.');
    expect(first[2]).toBe('  Read at kv/server_impl.go:14 in (*server).Start.func1');
    expect(r.tests![20]!.output).not.toContain('also failed');
    expect(validateGradescopeResults(r)).toEqual([]);
  });

  it('results.json header: only visible tests are grouped or named', () => {
    const hidden = makeReport({ tests: [failed('TestA', RACE_A), failed('TestB', RACE_B, 'hidden')], notices: [] });
    const r = toGradescopeResults(hidden, { testOutputBytes: 8192 });
    expect(r.output).not.toContain('One cause');
    expect(r.tests![0]!.output).not.toContain('also failed');
    expect(r.tests![1]!.output).toContain('also failed 1 other test (partA/TestA)');
  });

  it('terminal: one section after the table', () => {
    const text = renderTable(report, { color: false, width: 200 });
    expect(text).toContain('\nOne cause behind several failures (fix it once, and all of them may pass):\n  The same data race (server_impl.go:14 vs :21) failed these 20 tests: partA/TestTeardown1, ');
    expect(text).toContain('\n    Previous write at kv/server_impl.go:21 in (*server).Close\n');
    expect(text.match(/The same data race/g)).toHaveLength(1);
  });

  it('JUnit: every grouped failure says so in its message and body', () => {
    const root = parseXml(renderJUnit(report));
    const failures = findAll(root, 'failure');
    expect(failures).toHaveLength(21);
    expect(failures[0]!.attrs.message).toMatch(/^data race detected: .* \(The same data race \(server_impl\.go:14 vs :21\) also failed 19 other tests/);
    expect(textOf(failures[0]!)).toMatch(/^The same data race \(server_impl\.go:14 vs :21\) also failed 19 other tests/);
    expect(failures[20]!.attrs.message).not.toContain('also failed');
  });
});
