/**
 * The job runner's wiring with a scripted probe: the overload here is simulated (its figures are
 * given), which is the one thing a unit test cannot cause cheaply; `npm run bench overload` causes
 * it for real beside a P0 grade.
 */
import { describe, expect, it } from 'vitest';
import { runJobs, type Job, type JobStatus, type RunHow } from '../../src/pipeline/job-runner.js';
import { monotonicMs, type LoadProbe, type ProbeWindow } from '../../src/sandbox/load-probe.js';

/** A probe whose machine is overloaded (stall share 0.9) while `busy()` says so, else idle. */
function scriptedProbe(busy: () => boolean): LoadProbe {
  return {
    window: (fromMs, toMs): ProbeWindow => ({
      fromMs,
      toMs,
      periodMs: 10,
      lateMs: Array.from({ length: Math.max(0, Math.floor((toMs - fromMs) / 10.1)) }, () => 0.1),
      stall: { stalledUs: (busy() ? 0.9 : 0.01) * (toMs - fromMs) * 1000, spanMs: Math.max(1, toMs - fromMs), source: 'system' },
    }),
    stop: async () => undefined,
  };
}

const fast = { tickMs: 5, quietWaitMs: 200, quietWaitTotalMs: 400, quietWindowMs: 20 };
const capacity = { cores: 2, memoryBytes: 8 * 1024 ** 3, maxJobs: 8 };

/** A job that records how it was run and answers with `script` (one status per call). */
function job(id: string, script: JobStatus[], log: string[], more: Partial<Job> = {}): Job & { gaveUp: boolean } {
  let calls = 0;
  const j = {
    id,
    exclusive: false,
    estimate: { wallMs: 10, cpuRate: 0.1 },
    gaveUp: false,
    // Logged at the end: whether the job had the machine to itself for its whole run.
    run: async (how: RunHow) => {
      await new Promise((r) => setTimeout(r, 10));
      log.push(`${id}${how.ranAlone() ? ' alone' : ''}`);
      return script[Math.min(calls++, script.length - 1)]!;
    },
    giveUp: () => {
      j.gaveUp = true;
      log.push(`${id} gave up`);
    },
    ...more,
  };
  return j;
}

describe('runJobs', () => {
  it('runs what fits side by side, then a voided job alone once the machine is quiet', async () => {
    const log: string[] = [];
    const jobs = [job('a', ['rerun-when-quiet', 'done'], log), job('b', ['done'], log), job('c', ['done'], log)];
    await runJobs(jobs, { capacity, probe: scriptedProbe(() => false), timing: fast });
    expect(log.slice(0, 3).sort()).toEqual(['a', 'b', 'c']);
    expect(log.slice(3)).toEqual(['a alone']);
    expect(jobs.some((j) => j.gaveUp)).toBe(false);
  });

  it('gives up — the overload error — when the machine never becomes quiet, without running the job again', async () => {
    const log: string[] = [];
    const a = job('a', ['rerun-when-quiet'], log);
    const t0 = monotonicMs();
    await runJobs([a], { capacity, probe: scriptedProbe(() => monotonicMs() - t0 > 15), timing: fast });
    expect(log).toEqual(['a alone', 'a gave up']);
  });

  it('gives a job two quiet reruns at most', async () => {
    const log: string[] = [];
    const a = job('a', ['rerun-when-quiet'], log);
    await runJobs([a], { capacity, probe: scriptedProbe(() => false), timing: fast });
    expect(log).toEqual(['a alone', 'a alone', 'a alone', 'a gave up']);
  });

  it('a job is alone only while no other job runs beside it: one started beside it later takes that away', async () => {
    const log: string[] = [];
    const seen: boolean[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const long = job('long', ['done'], log, {
      estimate: { wallMs: 1000, cpuRate: 0.1 },
      run: async (how: RunHow) => {
        seen.push(how.ranAlone());
        await gate;
        seen.push(how.ranAlone());
        return 'done';
      },
    });
    // Heavy: it fits only once the probe stops saying overloaded, i.e. after `long` started alone.
    let busy = true;
    const late = job('late', ['done'], log, {
      run: async () => {
        release();
        return 'done';
      },
    });
    setTimeout(() => (busy = false), 40);
    await runJobs([long, late], { capacity, probe: scriptedProbe(() => busy), timing: fast });
    expect(seen).toEqual([true, false]);
  });

  it('starts nothing new beside running jobs while the machine is overloaded', async () => {
    const log: string[] = [];
    let busy = true;
    const slow = job('slow', ['done'], log, {
      run: async () => {
        log.push('slow');
        await new Promise((r) => setTimeout(r, 60));
        busy = false;
        return 'done';
      },
      estimate: { wallMs: 1000, cpuRate: 0.1 },
    });
    await runJobs([slow, job('b', ['done'], log)], { capacity, probe: scriptedProbe(() => busy), timing: fast });
    // b waited until slow had ended, so it ran alone.
    expect(log).toEqual(['slow', 'b alone']);
  });

  it('passes a job failure on after the run stops starting jobs', async () => {
    const log: string[] = [];
    const broken = job('x', ['done'], log, {
      run: async () => {
        throw new Error('boom');
      },
    });
    await expect(runJobs([broken, job('b', ['done'], log)], { capacity: { ...capacity, maxJobs: 1 }, probe: scriptedProbe(() => false), timing: fast })).rejects.toThrow('boom');
  });
});
