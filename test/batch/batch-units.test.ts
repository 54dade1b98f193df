import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverSubmissions, safeId } from '../../src/batch/discover.js';
import { parseSubmissionMetadata } from '../../src/batch/gradescope-export.js';
import { fnv1a, inShard, parseShard } from '../../src/batch/shard.js';
import { csvCell, renderCsv, summarize } from '../../src/batch/summary.js';
import { renderSummaryHtml } from '../../src/batch/summary-html.js';
import type { StoredReport } from '../../src/batch/out-dir.js';
import type { GradeReport, TestResult } from '../../src/model.js';

const METADATA = `---
submission_111:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1001'
    :email: ada@example.edu
  :created_at: 2024-02-01 10:00:00.000000000 -05:00
  :score: 20.0
  :status: processed
  :results:
    :score: 20.0
    :tests:
    - :name: partA
      :score: 1
submission_222:
  :submitters:
  - :name: "Grace O'Hopper"
    :sid: '1002'
    :email: grace@example.edu
  - :name: Alan Turing
    :sid: '1003'
    :email: alan@example.edu
  :created_at: 2024-02-02 10:00:00.000000000 -05:00
`;

describe('Gradescope export metadata', () => {
  it('reads folder keys and submitters, ignoring results and history', () => {
    const entries = parseSubmissionMetadata(METADATA);
    expect(entries.map((e) => e.key)).toEqual(['submission_111', 'submission_222']);
    expect(entries[0]!.submitters).toEqual([{ name: 'Ada Lovelace', sid: '1001', email: 'ada@example.edu' }]);
    expect(entries[1]!.submitters.map((s) => s.name)).toEqual(["Grace O'Hopper", 'Alan Turing']);
    expect(entries[0]!.createdAt).toBe('2024-02-01 10:00:00.000000000 -05:00');
  });

  it('discovers an export folder with its metadata, warns about unlisted and missing folders', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-export-'));
    const exp = path.join(root, 'assignment_9_export');
    await fs.mkdir(path.join(exp, 'submission_111'), { recursive: true });
    await fs.mkdir(path.join(exp, 'submission_333'), { recursive: true });
    await fs.writeFile(path.join(exp, 'submission_metadata.yml'), METADATA);
    const d = await discoverSubmissions(root);
    expect(d.layout).toBe('gradescope-export');
    expect(d.submissions.map((s) => s.id)).toEqual(['submission_111', 'submission_333']);
    expect(d.submissions[0]!.submitters[0]!.email).toBe('ada@example.edu');
    expect(d.warnings.join('\n')).toMatch(/submission_333 is not listed/);
    expect(d.warnings.join('\n')).toMatch(/1 submission\(s\) listed .* have no folder: submission_222/);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('discovers a folder of folders and zips, skipping clutter and the output folder', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-folders-'));
    await fs.mkdir(path.join(root, 'alice'));
    await fs.mkdir(path.join(root, '__MACOSX'));
    await fs.mkdir(path.join(root, 'out'));
    await fs.writeFile(path.join(root, 'bob smith.zip'), 'PK');
    await fs.writeFile(path.join(root, '.DS_Store'), '');
    await fs.writeFile(path.join(root, 'notes.txt'), '');
    const d = await discoverSubmissions(root, { exclude: [path.join(root, 'out')] });
    expect(d.layout).toBe('folders');
    expect(d.submissions.map((s) => s.id)).toEqual(['alice', 'bob_smith']);
    expect(d.warnings).toEqual(['notes.txt is neither a folder nor a .zip; skipped']);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('makes ids safe as folder names', () => {
    expect(safeId('../x/y z')).toBe('x_y_z');
    expect(safeId('...')).toBe('submission');
  });
});

describe('shards', () => {
  it('parses i/n and refuses nonsense', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(() => parseShard('0/5')).toThrow(/invalid --shard/);
    expect(() => parseShard('6/5')).toThrow(/invalid --shard/);
    expect(() => parseShard('a/b')).toThrow(/invalid --shard/);
  });

  it('puts every id in exactly one shard, stably', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `student${i}`);
    const n = 4;
    const counts = new Array<number>(n).fill(0);
    for (const id of ids) {
      const owners = [1, 2, 3, 4].filter((i) => inShard(id, { index: i, count: n }));
      expect(owners).toHaveLength(1);
      counts[owners[0]! - 1]!++;
    }
    for (const c of counts) expect(c).toBeGreaterThan(30);
    expect(fnv1a('a')).toBe(0xe40c292c); // the published FNV-1a test vector
  });
});

function test(id: string, verdict: TestResult['verdict'], score: number, maxScore: number, durationMs = 10, flaky = false): TestResult {
  return { id, suite: id.split('/')[0]!, name: id, verdict, score, maxScore, visibility: 'visible', tags: [], durationMs, summary: '', output: '', attempts: [], flaky };
}
function stored(id: string, tests: TestResult[], name?: string): StoredReport {
  const report: GradeReport = {
    project: 'p',
    projectTitle: 'P <0>',
    submission: id,
    seed: 1,
    nonce: 'n',
    startedAt: '2024-01-01T00:00:00Z',
    durationMs: 1000,
    versions: { dsgrade: '0', node: '20', go: '1.22' },
    notices: [],
    tests,
    score: tests.reduce((a, t) => a + t.score, 0),
    maxScore: tests.reduce((a, t) => a + t.maxScore, 0),
  };
  return { id, submitters: name ? [{ name }] : [], report };
}

describe('class summary', () => {
  const reports = [
    stored('bob', [test('a/T1', 'failed', 0, 1, 50), test('a/T2', 'passed', 2, 2, 5, true)], '=cmd()'),
    stored('alice', [test('a/T1', 'passed', 1, 1, 20), test('a/T2', 'passed', 2, 2)], 'Alice, A.'),
  ];

  it('writes a CSV row per submission and a column per test, safe for spreadsheets', () => {
    const csv = renderCsv(summarize(reports, [{ id: 'zed', message: 'bad zip\nmore' }]));
    expect(csv.split('\n')).toEqual([
      'submission,names,emails,sids,score,max_score,passed,failed,errors,status,a/T1,a/T2',
      'alice,"Alice, A.",,,3,3,2,0,0,graded,1,2',
      "bob,'=cmd(),,,2,3,1,1,0,graded,0,2",
      'zed,,,,,,,,,not graded: bad zip,,',
      '',
    ]);
    expect(csvCell('-1.5')).toBe('-1.5');
    expect(csvCell('a"b')).toBe('"a""b"');
  });

  it('computes pass rates, slowest tests and flaky tests, and renders them as escaped HTML', () => {
    const s = summarize(reports);
    expect(s.tests.find((t) => t.id === 'a/T1')).toMatchObject({ passed: 1, failed: 1, passRate: 0.5, maxMs: 50, slowestSubmission: 'bob' });
    expect(s.tests.find((t) => t.id === 'a/T2')!.flakyIn).toEqual(['bob']);
    const html = renderSummaryHtml(s);
    expect(html).toContain('P &lt;0&gt;');
    expect(html).not.toContain('<0>');
    expect(html).toMatch(/data-count="1"/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('pools the runs of a test with several runs per grade, and names each flaky submission\'s runs', () => {
    const runs = (passed: number, failing: number[]) => ({ counted: passed + failing.length, passed, failed: failing.length, errors: 0, rule: 'r', failing: failing.map((seed, i) => ({ run: i + 1, seed, rerun: `r ${seed}` })), replays: 'the same seed' });
    const s = summarize([
      stored('amy', [{ ...test('2B/TestFigure8_2B', 'passed', 15, 15, 10, true), runs: runs(7, [123]) }]),
      stored('ben', [{ ...test('2B/TestFigure8_2B', 'passed', 15, 15), runs: runs(8, []) }]),
    ]);
    const t = s.tests.find((x) => x.id === '2B/TestFigure8_2B')!;
    expect(t.runsPassed).toEqual({ passed: 15, decided: 16 });
    expect(t.runsIn).toEqual({ amy: 'passed 7 of 8 runs (failing seed 123)' });
    const html = renderSummaryHtml(s);
    expect(html).toContain('<td class="num">15/16</td>');
    expect(html).toContain('<a href="submissions/amy/">amy</a> <span class="muted">(passed 7 of 8 runs (failing seed 123))</span>');
    expect(summarize(reports).tests.every((x) => x.runsPassed === undefined)).toBe(true);
  });

  it('links the run report of a failed scenario from the submission row', () => {
    const t = { ...test('sc/partition', 'failed', 0, 1), runReport: 'run-reports/sc/partition.html' };
    const html = renderSummaryHtml(summarize([stored('zoe', [t])]));
    expect(html).toContain('<a href="submissions/zoe/run-reports/sc/partition.html" title="run report">sc/partition</a>');
  });
});
