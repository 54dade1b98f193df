import { describe, expect, it } from 'vitest';
import { applyMeasurement, limitFor, MARGIN_TEXT } from '../../src/init/timing.js';
import type { Plan } from '../../src/init/propose.js';
import { makeTest } from '../report/fixtures.js';

describe('time limits from a measured reference', () => {
  it('4 × the time + 10 s, at least 15 s, rounded up to 5 s', () => {
    expect([0, 1000, 1250, 4100, 7100, 60_000].map(limitFor)).toEqual([15, 15, 15, 30, 40, 250]);
    expect(MARGIN_TEXT).toBe("4 × the reference's time + 10 s, at least 15 s, rounded up to 5 s");
  });

  it('an entry takes the limit of its slowest passing test; failures are reported, and keep the default', () => {
    const plan: Plan = {
      handin: [],
      suites: [
        {
          id: 'lsp',
          name: 'lsp',
          package: 'lsp',
          entries: [
            { tests: ['TestBasic1', 'TestBasic2'], pattern: '^TestBasic[0-9]+$', points: 1, race: false },
            { tests: ['TestSlow'], points: 1, race: false },
          ],
        },
      ],
    };
    const byId = new Map(
      [
        makeTest({ suite: 'lsp', name: 'TestBasic1', durationMs: 500 }),
        makeTest({ suite: 'lsp', name: 'TestBasic2', durationMs: 7100 }),
        makeTest({ suite: 'lsp', name: 'TestSlow', verdict: 'failed', summary: 'timed out' }),
      ].map((t) => [t.id, t]),
    );
    const { timed, failures } = applyMeasurement(plan, byId);
    expect(plan.suites[0]!.entries.map((e) => e.timeoutSec)).toEqual([40, undefined]);
    expect(timed[0]).toMatchObject({ slowestMs: 7100, timeoutSec: 40 });
    expect(failures.map((f) => f.id)).toEqual(['lsp/TestSlow']);
  });
});
