import { describe, expect, it } from 'vitest';
import type { LoadFigures } from '../../src/core/load-figures.js';
import type { Attempt } from '../../src/model.js';
import { describeLoad } from '../../src/schedule/load.js';
import { countedAttempts, decideOverload, markOverload, OVERLOAD_ERROR, overloadLines, selfInflicted, voidedByOverload } from '../../src/scoring/overload.js';

const busy: LoadFigures = { windowMs: 2000, lateP50Ms: 0.1, lateP99Ms: 3, lateMaxMs: 9, coverage: 1, stallShare: 0.8, stallSource: 'system', overloaded: true };
const calm: LoadFigures = { ...busy, stallShare: 0.05, overloaded: false };
const late: LoadFigures = { ...calm, lateP99Ms: 45, lateMaxMs: 120, overloaded: true };
const usage = (cpuMs: number) => ({ cpuMs, userMs: cpuMs, sysMs: 0, peakRssBytes: 1 << 20, complete: true });

describe('voidedByOverload', () => {
  it('voids a failure while the machine was overloaded', () => {
    // Contention (stall share) and an attempt that computed: 0.5 cores.
    expect(voidedByOverload({ verdict: 'failed', durationMs: 2000, load: busy, usage: usage(1000) }, { ranAlone: false, cores: 2 })).toBe(true);
    // Throttled or starved (late wake-ups): whatever the attempt did, even without a usage figure.
    expect(voidedByOverload({ verdict: 'failed', durationMs: 2000, load: late, usage: usage(100) }, { ranAlone: false, cores: 2 })).toBe(true);
    expect(voidedByOverload({ verdict: 'failed', durationMs: 2000, load: busy }, { ranAlone: false, cores: 2 })).toBe(true);
  });

  it('keeps the failure of an attempt that mostly slept when the overload was contention only: its wake-ups were on time', () => {
    // A CPU hog beside the grade: stall share ~1, sleeps on time; the attempt used 0.05 cores.
    expect(voidedByOverload({ verdict: 'failed', durationMs: 2000, load: busy, usage: usage(100) }, { ranAlone: false, cores: 2 })).toBe(false);
  });

  it('never voids a pass, an error, or a failure on a machine that was not overloaded', () => {
    expect(voidedByOverload({ verdict: 'passed', durationMs: 2000, load: busy }, { ranAlone: false, cores: 2 })).toBe(false);
    expect(voidedByOverload({ verdict: 'error', durationMs: 2000, load: busy }, { ranAlone: false, cores: 2 })).toBe(false);
    expect(voidedByOverload({ verdict: 'failed', durationMs: 2000, load: calm }, { ranAlone: false, cores: 2 })).toBe(false);
    expect(voidedByOverload({ verdict: 'failed', durationMs: 2000 }, { ranAlone: false, cores: 2 })).toBe(false);
  });

  it('keeps a failure the attempt caused itself: alone, its own processes used most of the cores', () => {
    const spinning = { verdict: 'failed' as const, durationMs: 2000, load: busy, usage: usage(3800) };
    expect(selfInflicted(spinning, { ranAlone: true, cores: 2 })).toBe(true);
    expect(voidedByOverload(spinning, { ranAlone: true, cores: 2 })).toBe(false);
    // Beside other jobs the load may be theirs: voided, and judged again alone.
    expect(voidedByOverload(spinning, { ranAlone: false, cores: 2 })).toBe(true);
    // Alone but light, on a throttled machine: the overload came from elsewhere.
    expect(voidedByOverload({ ...spinning, load: late, usage: usage(200) }, { ranAlone: true, cores: 2 })).toBe(true);
  });

  it('keeps a failure the attempt caused itself on a machine where something else takes a core: half the cores and twice the reference', () => {
    // 1.38 cores of 2 (a fork bomb beside another grader), where the reference's run uses 0.31.
    const bomb = { verdict: 'failed' as const, durationMs: 715, load: busy, usage: usage(985) };
    expect(selfInflicted(bomb, { ranAlone: true, cores: 2 })).toBe(false);
    expect(selfInflicted(bomb, { ranAlone: true, cores: 2, expectedCpuRate: 0.31 })).toBe(true);
    expect(voidedByOverload(bomb, { ranAlone: true, cores: 2, expectedCpuRate: 0.31 })).toBe(false);
    // A correct heavy test (the reference uses 1.2 cores for it) is not blamed for the machine's load.
    expect(voidedByOverload(bomb, { ranAlone: true, cores: 2, expectedCpuRate: 1.2 })).toBe(true);
    // Under half the cores the rate rules never blame the attempt, whatever the reference's rate.
    expect(voidedByOverload({ ...bomb, usage: usage(600) }, { ranAlone: true, cores: 2, expectedCpuRate: 0.05 })).toBe(true);
    expect(voidedByOverload(bomb, { ranAlone: false, cores: 2, expectedCpuRate: 0.31 })).toBe(true);
  });
});

describe('decideOverload: failures that count though the machine was overloaded', () => {
  it('keeps a failure whose evidence no overload can produce, however overloaded the machine was', () => {
    for (const load of [busy, late]) {
      const d = decideOverload({ verdict: 'failed', durationMs: 600, load, usage: usage(550), loadIndependent: 'the Go runtime\'s "fatal error: out of memory"' }, { ranAlone: false, cores: 2 });
      expect(d).toEqual({ voided: false, counts: 'its failure (the Go runtime\'s "fatal error: out of memory") is not one a slow machine can cause' });
    }
  });

  it('keeps the failure of an attempt that got many times the CPU the reference needs for the whole test, beside anything', () => {
    // A busy loop beside a CPU hog on both cores: one core of two (below every share rule) for the 6 s limit; the reference's TestBasic1 uses 11 ms.
    const spin = { verdict: 'failed' as const, durationMs: 6100, load: busy, usage: usage(5800) };
    const basic1 = { cores: 2, expectedCpuRate: 0.311, expectedCpuMs: 11 };
    expect(selfInflicted(spin, { ...basic1, ranAlone: true })).toBe(false);
    for (const ranAlone of [true, false]) {
      const d = decideOverload(spin, { ...basic1, ranAlone });
      expect(d.voided).toBe(false);
      expect(d.counts).toMatch(/^its processes got 5\.8 s of CPU, 527 times what a correct solution needs for this whole test, so a lack of CPU did not make it fail\. Look for busy loops/);
    }
    // Without the reference's figure (no timings.json entry) only the share rules can tell: voided.
    expect(voidedByOverload(spin, { ranAlone: true, cores: 2 })).toBe(true);
  });

  it('voids the failure of a correct heavy test that got less than five times the reference, and of a tiny test under the floor', () => {
    // A miner scenario starved beside a hog: 1.4 times the reference's 6.6 s.
    expect(voidedByOverload({ verdict: 'failed', durationMs: 30_000, load: late, usage: usage(9200) }, { ranAlone: true, cores: 2, expectedCpuRate: 0.76, expectedCpuMs: 6600 })).toBe(true);
    // 16 times a 5 ms reference, but 80 ms of CPU is noise (runtime start, the race detector).
    expect(voidedByOverload({ verdict: 'failed', durationMs: 300, load: busy, usage: usage(80) }, { ranAlone: true, cores: 2, expectedCpuMs: 5 })).toBe(true);
  });
});

describe('markOverload', () => {
  it('marks a voided attempt, records why a counted failure counts, and leaves any other attempt as it was', () => {
    const a = { verdict: 'failed' as const, durationMs: 10, reason: 'x' };
    expect(markOverload(a, { voided: true })).toEqual({ ...a, voided: 'overload' });
    expect(markOverload(a, { voided: false, counts: 'why' })).toEqual({ ...a, overloadCounted: 'why' });
    expect(markOverload(a, { voided: false })).toBe(a);
  });
});

describe('overloadLines', () => {
  it('says which run did not count and why, and the give-up with the prescribed words', () => {
    const attempts: Attempt[] = [
      { verdict: 'failed', durationMs: 2000, reason: 'x', load: busy, voided: 'overload' },
      { verdict: 'passed', durationMs: 1900, reason: '', load: calm },
    ];
    expect(countedAttempts(attempts)).toEqual([attempts[1]]);
    const lines = overloadLines(attempts, false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Run 1 failed while the grading machine was overloaded \(load probe over 2\.0 s: CPU stall 80 %/);
    expect(overloadLines([attempts[0]!], true).at(-1)).toContain(OVERLOAD_ERROR);
    expect(overloadLines([attempts[1]!], false)).toEqual([]);
  });

  it('tells a student whose own test overloaded the machine to look for busy loops', () => {
    const spinning = { verdict: 'failed' as const, durationMs: 2000, reason: 'x', load: busy, usage: usage(3800) };
    const { counts } = decideOverload(spinning, { ranAlone: true, cores: 2 });
    const lines = overloadLines([{ ...spinning, overloadCounted: counts! }], false);
    expect(lines).toEqual([`Run 1 failed while the grading machine was overloaded (${describeLoad(busy)}), and it counts: ${counts}.`]);
    expect(lines[0]).toMatch(/overloaded by this test itself: it ran alone and its processes used 1\.90 of the 2 cores\. Look for busy loops/);
  });

  it('tells a student whose waiting test failed beside a CPU hog that it counts, and why', () => {
    const waiting = { verdict: 'failed' as const, durationMs: 2000, reason: 'x', load: busy, usage: usage(100) };
    expect(decideOverload(waiting, { ranAlone: false, cores: 2 }).counts).toBe('it mostly waited (its processes used 0.05 cores) and the machine woke it on time, so the contention did not make it fail');
  });
});
