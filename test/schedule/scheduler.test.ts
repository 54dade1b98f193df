import { describe, expect, it } from 'vitest';
import { CpuScheduler, HEADROOM, simulate, UNKNOWN_PEAK_RSS_BYTES, type Capacity, type SchedulerJob } from '../../src/schedule/scheduler.js';

const GiB = 1024 ** 3;
const twoCores: Capacity = { cores: 2, memoryBytes: 8 * GiB, maxJobs: Infinity };
const job = (id: string, wallMs: number | undefined, cpuRate: number | undefined, more: Partial<SchedulerJob> & { peakRssBytes?: number } = {}): SchedulerJob => ({
  id,
  exclusive: more.exclusive ?? false,
  estimate: { ...(wallMs !== undefined ? { wallMs } : {}), ...(cpuRate !== undefined ? { cpuRate } : {}), ...(more.peakRssBytes !== undefined ? { peakRssBytes: more.peakRssBytes } : {}) },
});

describe('CpuScheduler', () => {
  it('runs light jobs side by side while their CPU rates fit in the headroom of the cores', () => {
    const jobs = Array.from({ length: 10 }, (_, i) => job(`t${i}`, 1000, 0.2));
    const s = new CpuScheduler(jobs, twoCores);
    // 2 cores × 0.75 = 1.5 cores: seven jobs of 0.2 (1.4), not eight (1.6).
    expect(s.start(0).map((j) => j.id)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    expect(s.load).toBeCloseTo(1.4);
    expect(s.start(0)).toEqual([]);
    s.finish('t3');
    expect(s.start(10).map((j) => j.id)).toEqual(['t7']);
  });

  it('counts a job the timings do not know as one core, and starts it first', () => {
    const s = new CpuScheduler([job('known', 5000, 0.1), job('new1', undefined, undefined), job('new2', undefined, undefined)], twoCores);
    expect(s.order.map((j) => j.id)).toEqual(['new1', 'new2', 'known']);
    // One unknown (1 core) plus the known one (0.1) fit in 1.5; a second unknown does not.
    expect(s.start(0).map((j) => j.id)).toEqual(['new1', 'known']);
  });

  it('orders by expected wall time, longest first, and keeps the manifest order among equals', () => {
    const s = new CpuScheduler([job('a', 1000, 0.1), job('b', 9000, 0.1), job('c', 1000, 0.1), job('d', 3000, 0.1)], twoCores);
    expect(s.order.map((j) => j.id)).toEqual(['b', 'd', 'a', 'c']);
  });

  it('never runs more than --jobs at once', () => {
    const jobs = Array.from({ length: 6 }, (_, i) => job(`t${i}`, 1000, 0.01));
    expect(simulate(jobs, { ...twoCores, maxJobs: 1 })).toMatchObject({ makespanMs: 6000, maxConcurrent: 1 });
    expect(simulate(jobs, { ...twoCores, maxJobs: 4 })).toMatchObject({ makespanMs: 2000, maxConcurrent: 4 });
  });

  it('runs exclusive jobs alone, after all the others', () => {
    const r = simulate([job('x', 2000, 0.05, { exclusive: true }), job('a', 1000, 0.05), job('b', 1000, 0.05), job('y', 500, 0.05, { exclusive: true })], twoCores);
    expect(r.starts).toEqual([
      { id: 'a', atMs: 0 },
      { id: 'b', atMs: 0 },
      { id: 'x', atMs: 1000 },
      { id: 'y', atMs: 3000 },
    ]);
  });

  it('runs a job heavier than the whole headroom alone rather than never', () => {
    const r = simulate([job('heavy', 4000, 1.9), job('light', 1000, 0.1)], twoCores);
    expect(r.starts).toEqual([
      { id: 'heavy', atMs: 0 },
      { id: 'light', atMs: 4000 },
    ]);
  });

  it('lets later jobs fill in beside a job that waits for room only when that does not delay it', () => {
    // A runs (1 core, until 10 s); H (1 core) must wait for it. S (2 s) ends before then; L (20 s)
    // still fits beside H at 10 s only if it needs at most 1.5 - 1 = 0.5 cores.
    const scenario = (lRate: number): string[] => {
      const s = new CpuScheduler([job('A', 10_000, 1), job('H', 8000, 1), job('L', 7000, lRate), job('S', 2000, 0.2)], twoCores);
      return s.start(0).map((j) => j.id);
    };
    expect(scenario(0.3)).toEqual(['A', 'L', 'S']);
    expect(scenario(0.45)).toEqual(['A', 'L']); // 1 + 0.45 + 0.2 > 1.5: S no longer fits now
    expect(scenario(0.6)).toEqual(['A', 'S']); // L would still run at 10 s and crowd H out
  });

  it('starts nothing beside running jobs while the machine is overloaded, but never stalls', () => {
    const s = new CpuScheduler([job('a', 1000, 0.1), job('b', 1000, 0.1), job('c', 1000, 0.1)], twoCores);
    expect(s.start(0, true).map((j) => j.id)).toEqual(['a']);
    expect(s.start(5, true)).toEqual([]);
    expect(s.start(10, false).map((j) => j.id)).toEqual(['b', 'c']);
  });

  it('scales the timings up when this submission turns out heavier than the reference, never down', () => {
    const jobs = Array.from({ length: 12 }, (_, i) => job(`t${i}`, 1000, 0.1));
    const s = new CpuScheduler(jobs, twoCores);
    expect(s.start(0)).toHaveLength(12); // 1.2 cores planned
    for (let i = 0; i < 12; i++) s.finish(`t${i}`, { cpuMs: 400, wallMs: 1000 }); // 4× the reference
    expect(s.factor).toBeCloseTo((12 * 400 + 1000) / (12 * 100 + 1000));
    const lighter = new CpuScheduler(jobs, twoCores);
    lighter.start(0);
    lighter.finish('t0', { cpuMs: 1, wallMs: 1000 });
    expect(lighter.factor).toBe(1);
  });

  it('keeps the expected peak memory of running jobs within the headroom of the memory', () => {
    const mem: Capacity = { cores: 8, memoryBytes: 1 * GiB, maxJobs: Infinity };
    const s = new CpuScheduler(Array.from({ length: 5 }, (_, i) => job(`t${i}`, 1000, 0.1, { peakRssBytes: 300 * 1024 ** 2 })), mem);
    // 0.75 GiB: two jobs of 300 MiB, not three.
    expect(s.start(0)).toHaveLength(2);
    const unknown = new CpuScheduler([job('u1', 1000, 0.1), job('u2', 1000, 0.1), job('u3', 1000, 0.1), job('u4', 1000, 0.1)], mem);
    expect(unknown.start(0)).toHaveLength(Math.floor((GiB * HEADROOM) / UNKNOWN_PEAK_RSS_BYTES));
  });

  it('packs a grade shaped like P1 (a few long heavy scenarios, many short light tests) near its floor', () => {
    const jobs = [
      job('scenario1', 14_000, 1.1),
      job('scenario2', 14_000, 1.1),
      job('scenario3', 12_000, 0.9),
      ...Array.from({ length: 50 }, (_, i) => job(`test${i}`, 2500, 0.12)),
    ];
    const serial = jobs.reduce((a, j) => a + j.estimate.wallMs!, 0);
    const cpu = jobs.reduce((a, j) => a + j.estimate.wallMs! * j.estimate.cpuRate!, 0);
    const r = simulate(jobs, twoCores);
    // Bounded below by the longest job and by the CPU the headroom allows per second.
    expect(r.makespanMs).toBeGreaterThanOrEqual(Math.max(14_000, cpu / (2 * HEADROOM)));
    expect(r.makespanMs).toBeLessThan(serial / 3);
    expect(r.peakLoad).toBeLessThanOrEqual(2 * HEADROOM + 1e-9);
  });
});
