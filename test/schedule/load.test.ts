import { describe, expect, it } from 'vitest';
import { describeLoad, isQuiet, loadFigures, OVERLOADED, QUIET, starved } from '../../src/schedule/load.js';
import type { ProbeWindow } from '../../src/sandbox/load-probe.js';

/** A window of `ms` with one wake-up every 10 ms, each `late` ms late, and the stall share given. */
function window(ms: number, late: (i: number) => number, stallShare?: number, every = 10): ProbeWindow {
  const n = Math.floor(ms / every);
  return {
    fromMs: 1000,
    toMs: 1000 + ms,
    lateMs: Array.from({ length: n }, (_, i) => late(i)),
    periodMs: 10,
    ...(stallShare !== undefined ? { stall: { stalledUs: stallShare * ms * 1000, spanMs: ms, source: 'system' as const } } : {}),
  };
}

describe('loadFigures', () => {
  it('reads an idle machine as not overloaded, and quiet', () => {
    const f = loadFigures(window(2000, () => 0.1, 0.02));
    expect(f).toMatchObject({ windowMs: 2000, lateP50Ms: 0.1, lateP99Ms: 0.1, stallShare: 0.02, stallSource: 'system', overloaded: false });
    expect(f.coverage).toBeGreaterThan(0.95);
    expect(isQuiet(f)).toBe(true);
  });

  it('calls contention overloaded even when the sleeps wake on time (the scheduler favours sleepers)', () => {
    const f = loadFigures(window(2000, () => 0.1, OVERLOADED.stallShare));
    expect(f.overloaded).toBe(true);
    expect(isQuiet(f)).toBe(false);
    // …but not starved: sleepers were not held back (scoring/overload.ts keeps a sleeper's failures then).
    expect(starved(f)).toBe(false);
    expect(starved(loadFigures(window(2000, (i) => (i % 10 === 0 ? 60 : 0.2), 0.9)))).toBe(true);
  });

  it('calls throttling (late wake-ups) and a starved probe overloaded without any stall figure', () => {
    expect(loadFigures(window(2000, (i) => (i % 10 === 0 ? 60 : 0.2))).overloaded).toBe(true);
    expect(loadFigures(window(2000, (i) => (i === 5 ? OVERLOADED.lateMaxMs : 0.1))).overloaded).toBe(true);
    // Wake-ups every 20 ms in a 10 ms loop: half of them missing.
    const starved = loadFigures(window(2000, () => 0.1, undefined, 20));
    expect(starved.coverage).toBeCloseTo(0.5, 1);
    expect(starved.overloaded).toBe(true);
  });

  it('needs a window long enough before missing wake-ups count', () => {
    expect(loadFigures(window(100, () => 0.1, undefined, 50)).overloaded).toBe(false);
  });

  it('is between the two thresholds: neither overloaded nor quiet', () => {
    const f = loadFigures(window(2000, () => 0.1, (OVERLOADED.stallShare + QUIET.stallShare) / 2));
    expect(f.overloaded).toBe(false);
    expect(isQuiet(f)).toBe(false);
  });

  it('describes the figures in one line', () => {
    expect(describeLoad(loadFigures(window(3000, () => 2, 0.62)))).toBe(
      "load probe over 3.0 s: CPU stall 62 % of the time (whole machine); 10 ms sleeps woke up late by 2 ms (median), 2 ms (99th percentile), 2 ms (worst); 100 % of the probe's wake-ups",
    );
  });
});
