/**
 * The not-graded flow without the Go toolchain: dsgrade-vet's per-file gate verdicts (as its JSON
 * reply carries them) → decideGate → the results gradeSubmission records → results.json, JUnit and
 * the terminal table, which must all say the same thing: not graded, every test 0, the file, line
 * and rule, and that a human can review it.
 */
import { describe, expect, it } from 'vitest';
import type { VetFileReport } from '../../src/checks/vet-client.js';
import { decideGate, HUMAN_REVIEW } from '../../src/gate/gate.js';
import type { GradeReport } from '../../src/model.js';
import { gatedResults, gateHarnessError } from '../../src/pipeline/gate-stage.js';
import type { PlannedItem } from '../../src/pipeline/planned-items.js';
import { toGradescopeResults, validateGradescopeResults } from '../../src/report/gradescope-results.js';
import { renderJUnit } from '../../src/report/junit.js';
import { renderTable } from '../../src/report/terminal.js';
import { sumScores } from '../../src/scoring/score.js';

const IMPL = 'p0partA/server_impl.go';
const TESTS = 'p0partB/squarer_test.go';
const display = (treePath: string): string => treePath.split('/').pop()!;

const PLANNED: PlannedItem[] = [
  { id: 'build', suite: 'build', name: 'Build (go build ./...)', maxScore: 0, visibility: 'visible', tags: ['build'] },
  { id: 'check/gofmt', suite: 'check', name: 'gofmt-clean', maxScore: 1, visibility: 'visible', tags: [] },
  { id: 'partA/TestBasic1', suite: 'partA', name: 'TestBasic1', maxScore: 2, visibility: 'visible', tags: [] },
  { id: 'partA/TestSecret', suite: 'partA', name: 'TestSecret', maxScore: 3, visibility: 'hidden', tags: [] },
];

function reports(entries: Record<string, Partial<VetFileReport>>): Map<string, VetFileReport> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, { display: k, ...v }]));
}

function report(tests: GradeReport['tests'], notGraded?: GradeReport['notGraded']): GradeReport {
  return {
    project: 'p0-kvserver',
    projectTitle: 'P0',
    submission: '/tmp/sub',
    seed: 7,
    nonce: 'n',
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 10,
    versions: { dsgrade: '0', node: '20', go: '1.22' },
    notices: [],
    tests,
    ...sumScores(tests),
    ...(notGraded ? { notGraded } : {}),
  };
}

const CGO = reports({
  [IMPL]: {
    gate: {
      checked: true,
      findings: [
        { line: 6, rule: '#cgo', what: 'a #cgo line in the cgo preamble', why: '#cgo lines pass flags' },
        { line: 10, rule: 'C', what: 'import "C" (cgo)', why: "cgo's C preamble can copy any file" },
      ],
    },
  },
  [TESTS]: { gate: { checked: true } },
});

describe('decideGate', () => {
  it('passes when every file was checked and nothing was found', () => {
    expect(decideGate([IMPL, TESTS], reports({ [IMPL]: { gate: { checked: true } }, [TESTS]: { gate: { checked: true } } }), display)).toEqual({ kind: 'passed' });
  });

  it('refuses on any finding, naming file:line and rule in the first line', () => {
    const d = decideGate([IMPL, TESTS], CGO, display);
    expect(d.kind).toBe('refused');
    if (d.kind !== 'refused') return;
    expect(d.summary).toBe('not graded: server_impl.go:6: a #cgo line in the cgo preamble is not allowed (rule "#cgo")');
    expect(d.output).toContain('  server_impl.go:10: import "C" (cgo) (rule "C")');
    expect(d.output).toContain(`  "C": cgo's C preamble can copy any file`);
    expect(d.output.endsWith(HUMAN_REVIEW)).toBe(true);
    expect(d.notGraded.findings).toEqual([
      { file: 'server_impl.go', line: 6, rule: '#cgo', what: 'a #cgo line in the cgo preamble' },
      { file: 'server_impl.go', line: 10, rule: 'C', what: 'import "C" (cgo)' },
    ]);
  });

  it('a refused file kind has no line', () => {
    const d = decideGate(['lsp/read_amd64.s'], reports({ 'lsp/read_amd64.s': { gate: { checked: true, findings: [{ rule: '*.s', what: 'a .s file in the handin' }] } } }), (p) => p);
    expect(d.kind === 'refused' && d.summary).toBe('not graded: lsp/read_amd64.s: a .s file in the handin is not allowed (rule "*.s")');
  });

  it('a file that could not be checked blocks the tests with its own error, renamed for the student', () => {
    const d = decideGate([IMPL], reports({ [IMPL]: { parseError: `${IMPL}:5:6: expected '(', found '{'`, gate: { checked: false } } }), display);
    expect(d.kind).toBe('unchecked');
    expect(d.kind === 'unchecked' && d.summary).toBe("not tested: server_impl.go:5:6: expected '(', found '{'");
  });

  it('a file without any gate verdict is never passed', () => {
    expect(decideGate([IMPL], reports({ [IMPL]: {} }), display).kind).toBe('unchecked');
    expect(decideGate([IMPL], new Map(), display).kind).toBe('unchecked');
  });

  it('findings win over unchecked files, and both are listed', () => {
    const both = new Map([...CGO, [TESTS, { display: TESTS, parseError: `${TESTS}:1:1: expected 'package'`, gate: { checked: false } }]]);
    const d = decideGate([IMPL, TESTS], both, display);
    expect(d.kind).toBe('refused');
    expect(d.kind === 'refused' && d.output).toContain("squarer_test.go:1:1: expected 'package'");
  });
});

describe('the not-graded flow through every reporter', () => {
  const decision = decideGate([IMPL, TESTS], CGO, display);
  if (decision.kind !== 'refused') throw new Error('expected a refusal');
  const tests = gatedResults(PLANNED, decision);
  const graded = report(tests, decision.notGraded);

  it('every planned item, the build and the checks included, scores 0 with the one message', () => {
    expect(tests.map((t) => t.id)).toEqual(PLANNED.map((p) => p.id));
    for (const t of tests) {
      expect(t).toMatchObject({ verdict: 'failed', score: 0, summary: decision.summary, output: decision.output });
    }
    expect(graded.score).toBe(0);
    expect(graded.maxScore).toBe(6);
  });

  it('results.json: valid, says first that it was not graded and that a human can review it; tests agree', () => {
    const results = toGradescopeResults(graded, { testOutputBytes: 8192 });
    expect(validateGradescopeResults(results)).toEqual([]);
    const header = results.output!.split('\n');
    expect(header[1]).toBe('NOT GRADED — server_impl.go:6: a #cgo line in the cgo preamble is not allowed (rule "#cgo")');
    expect(results.output).toContain(HUMAN_REVIEW);
    expect(results.score).toBe(0);
    expect(results.extra_data).toMatchObject({ graded: false, notGraded: { summary: decision.summary } });
    for (const t of results.tests!) {
      expect(t.status).toBe('failed');
      expect(t.score).toBe(0);
      expect(t.output!.split('\n')[0]).toBe(`Failed: ${decision.summary}`);
    }
  });

  it('JUnit: every case fails with the summary; the suites say graded=false', () => {
    const xml = renderJUnit(graded);
    expect(xml.match(/<failure /g)).toHaveLength(PLANNED.length);
    expect(xml).toContain(`message="${decision.summary.replace(/"/g, '&quot;')}"`);
    expect(xml.match(/<property name="graded" value="false"\/>/g)).toHaveLength(new Set(PLANNED.map((p) => p.suite)).size);
  });

  it('terminal: the same summary and the review line, every row FAIL', () => {
    const table = renderTable(graded, { color: false, width: 120 });
    expect(table).toContain('NOT GRADED: server_impl.go:6: a #cgo line in the cgo preamble is not allowed (rule "#cgo")');
    expect(table).toContain('(and 1 more finding: see any test\'s output)');
    expect(table).toMatch(/A human can review this/);
    expect(table.match(/ FAIL /g)).toHaveLength(PLANNED.length);
    expect(table).toMatch(/Score: 0\/6/);
  });

  it('a graded report has none of it', () => {
    const ok = report(PLANNED.map((p) => ({ ...tests[0]!, ...p, verdict: 'passed' as const, score: p.maxScore, summary: '', output: '' })));
    expect(toGradescopeResults(ok, { testOutputBytes: 8192 }).output).not.toMatch(/NOT GRADED|human can review/);
    expect(renderJUnit(ok)).not.toContain('name="graded"');
    expect(renderTable(ok, { color: false })).not.toContain('NOT GRADED');
  });
});

describe('gated results for the other outcomes', () => {
  it('unchecked: only suite items are replaced; the build and checks still run', () => {
    const d = decideGate([IMPL], reports({ [IMPL]: { parseError: `${IMPL}:5:6: boom`, gate: { checked: false } } }), display);
    expect(gatedResults(PLANNED, d).map((t) => t.id)).toEqual(['partA/TestBasic1', 'partA/TestSecret']);
  });

  it('passed: nothing replaced', () => {
    expect(gatedResults(PLANNED, { kind: 'passed' })).toEqual([]);
  });

  it("dsgrade's checker failing is a harness error on every item, not the student's failure", () => {
    const r = gateHarnessError(PLANNED, 'dsgrade-vet failed (exit 2)');
    expect(r.every((t) => t.verdict === 'error' && t.score === 0)).toBe(true);
    expect(r[0]!.output).toContain('dsgrade-vet failed (exit 2)');
  });
});
