import { describe, expect, it } from 'vitest';
import { createBatchProgress } from '../../src/batch/progress.js';
import type { GradeReport } from '../../src/model.js';

const report = (score: number): GradeReport =>
  ({ score, maxScore: 10, durationMs: 60_000, tests: [{ verdict: 'error' }] }) as unknown as GradeReport;

function stream() {
  let text = '';
  return { s: { write: (c: string) => ((text += c), true) } as unknown as NodeJS.WritableStream, text: () => text };
}

describe('batch progress', () => {
  it('prints one plain line per submission without a terminal, with the ETA', () => {
    const out = stream();
    let t = 0;
    const p = createBatchProgress(out.s, { isTTY: false, jobs: 1, now: () => t });
    p.onEvent({ kind: 'planned', total: 4, toGrade: 3, resumed: 1, otherShards: 0, layout: 'folders', warnings: ['w1'], seed: 9 });
    p.onEvent({ kind: 'started', id: 'a' });
    t = 60_000;
    p.onEvent({ kind: 'graded', id: 'a', report: report(7) });
    p.onEvent({ kind: 'started', id: 'b' });
    p.onEvent({ kind: 'failed', id: 'b', message: 'bad zip\nmore' });
    p.done();
    expect(out.text().split('\n')).toEqual([
      'warning: w1',
      '4 submission(s) (folders); 1 already graded (skipped; --force regrades), 3 to grade; seed 9',
      '[1/3] a: 7/10 (1 harness error(s)) in 1m00s · ETA 2m00s',
      '[2/3] b: NOT GRADED — bad zip',
      '',
    ]);
  });

  it('rewrites one status line on a terminal: done/total, ETA, failures so far', () => {
    const out = stream();
    let t = 0;
    const p = createBatchProgress(out.s, { isTTY: true, jobs: 1, columns: 200, now: () => t });
    p.onEvent({ kind: 'planned', total: 2, toGrade: 2, resumed: 0, otherShards: 0, layout: 'folders', warnings: [], seed: 1 });
    p.onEvent({ kind: 'started', id: 'a' });
    t = 30_000;
    p.onEvent({ kind: 'graded', id: 'a', report: report(3) });
    p.onEvent({ kind: 'started', id: 'b' });
    const last = out.text().split('\r\u001b[2K').pop();
    expect(last).toBe('[1/2] 50% · ETA 15.0s · 1 below full marks · grading b');
    p.done();
    expect(out.text().endsWith('\r\u001b[2K')).toBe(true);
  });
});
