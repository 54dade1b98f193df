import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../src/model.js';
import { decideRetry } from '../../src/scoring/retry.js';

const a = (v: Attempt['verdict']): Attempt => ({ verdict: v, durationMs: 1, reason: v === 'passed' ? '' : 'boom' });
const spec = (policy: 'all' | 'any' | 'majority') => ({ retry: { count: 3, policy }, points: 2, passRule: { rule: 'all' as const }, runs: 1 });

describe('retry policies', () => {
  it('does nothing without reruns or without a rule', () => {
    expect(decideRetry(spec('all'), [a('passed')], [])).toBeUndefined();
    expect(decideRetry({ points: 2, passRule: { rule: 'all' }, runs: 1 }, [a('failed')], [a('passed')])).toBeUndefined();
  });

  it('all: every rerun must pass', () => {
    expect(decideRetry(spec('all'), [a('failed')], [a('passed'), a('passed'), a('passed')])!.scored).toEqual({ verdict: 'passed', score: 2, flaky: true });
    const r = decideRetry(spec('all'), [a('failed')], [a('passed'), a('failed'), a('passed')])!;
    expect(r.scored).toEqual({ verdict: 'failed', score: 0, flaky: true });
    expect(r.note).toMatch(/^Retried: .* reran it 3 times \(policy "all": every rerun must pass\)\. It passed 2 of 3 reruns, so it still counts as failed\.$/);
  });

  it('any: one passing rerun is enough; majority: more than half', () => {
    expect(decideRetry(spec('any'), [a('failed')], [a('failed'), a('failed'), a('passed')])!.scored.verdict).toBe('passed');
    expect(decideRetry(spec('any'), [a('failed')], [a('failed'), a('error'), a('failed')])!.scored).toEqual({ verdict: 'failed', score: 0, flaky: false });
    expect(decideRetry(spec('majority'), [a('failed')], [a('passed'), a('failed'), a('passed')])!.scored.verdict).toBe('passed');
    const r = decideRetry(spec('majority'), [a('failed')], [a('passed'), a('failed'), a('error')])!;
    expect(r.scored.verdict).toBe('failed');
    expect(r.summary).toBe('passed 1/3 reruns, policy majority');
  });

  it('tells the student when a retry rescued the test', () => {
    expect(decideRetry(spec('majority'), [a('failed')], [a('passed'), a('passed'), a('failed')])!.note).toMatch(/counts as passed\. A test that fails and then passes usually means a race/);
  });
});
