/**
 * The load probe (docs/scheduling.md): while a grading run lasts, a probe beside the student
 * processes records how late a 10 ms sleep wakes up, and every 100 ms the kernel's CPU pressure
 * stall total (PSI, cpu "some": time some runnable task waited for a CPU) — of the cgroup the
 * processes run in when it has one, else of the machine. Sleep lateness shows throttling (a CPU
 * quota) and a starved machine; the stall total shows contention, which a sleeper barely feels
 * (the kernel's scheduler favours tasks that mostly sleep). It costs ~100 wake-ups a second and
 * ten small file reads.
 *
 * Locally the probe is a worker thread of this process (in the cgroup the jailed processes
 * inherit); under Docker it runs in the run container (`dsgrade-exec probe`) and its lines are
 * read into the same ring. Samples are kept in a ring (about ten minutes of them); windows are
 * read from it by time (`monotonicMs`, one clock for every thread and container on the machine).
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** The probe's sleep. */
export const PROBE_PERIOD_MS = 10;
/** How often the stall total is read. */
export const STALL_EVERY_MS = 100;
const LATE_SLOTS = 1 << 16;
const STALL_SLOTS = 1 << 13;

/** CLOCK_MONOTONIC in ms: the probe's clock, the same in worker threads and, on one machine, in containers. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** What the probe saw in one window, raw (src/schedule/load.ts turns it into LoadFigures). */
export interface ProbeWindow {
  fromMs: number;
  toMs: number;
  /** Lateness of every wake-up in the window, ms. */
  lateMs: number[];
  periodMs: number;
  /** Stall time over the part of the window the stall samples bracket (µs over ms), when there is PSI. */
  stall?: { stalledUs: number; spanMs: number; source: 'cgroup' | 'system' };
}

export interface LoadProbe {
  window(fromMs: number, toMs: number): ProbeWindow;
  /** Stops the probe (idempotent). */
  stop(): Promise<void>;
}

/** The samples, in shared memory so a worker thread can write them and this thread read them. */
export class ProbeRing {
  readonly buffers = {
    lateAt: new SharedArrayBuffer(LATE_SLOTS * 8),
    late: new SharedArrayBuffer(LATE_SLOTS * 4),
    stallAt: new SharedArrayBuffer(STALL_SLOTS * 8),
    stall: new SharedArrayBuffer(STALL_SLOTS * 8),
    // [late count, stall count, stall source: 0 none, 1 cgroup, 2 system]
    counts: new SharedArrayBuffer(12),
  };
  private readonly lateAt = new Float64Array(this.buffers.lateAt);
  private readonly late = new Float32Array(this.buffers.late);
  private readonly stallAt = new Float64Array(this.buffers.stallAt);
  private readonly stall = new Float64Array(this.buffers.stall);
  private readonly counts = new Int32Array(this.buffers.counts);

  addLate(atMs: number, lateMs: number): void {
    const i = Atomics.load(this.counts, 0);
    this.lateAt[i % LATE_SLOTS] = atMs;
    this.late[i % LATE_SLOTS] = lateMs;
    Atomics.store(this.counts, 0, i + 1);
  }

  addStall(atMs: number, totalUs: number, source: 'cgroup' | 'system'): void {
    const i = Atomics.load(this.counts, 1);
    this.stallAt[i % STALL_SLOTS] = atMs;
    this.stall[i % STALL_SLOTS] = totalUs;
    Atomics.store(this.counts, 2, source === 'cgroup' ? 1 : 2);
    Atomics.store(this.counts, 1, i + 1);
  }

  window(fromMs: number, toMs: number): ProbeWindow {
    const lateMs: number[] = [];
    const n = Atomics.load(this.counts, 0);
    for (let i = n - 1; i >= Math.max(0, n - LATE_SLOTS); i--) {
      const at = this.lateAt[i % LATE_SLOTS]!;
      if (at < fromMs) break;
      if (at <= toMs) lateMs.push(this.late[i % LATE_SLOTS]!);
    }
    const out: ProbeWindow = { fromMs, toMs, lateMs, periodMs: PROBE_PERIOD_MS };
    // The stall samples that bracket the window most closely from inside it.
    const m = Atomics.load(this.counts, 1);
    let first: number | undefined;
    let last: number | undefined;
    for (let i = m - 1; i >= Math.max(0, m - STALL_SLOTS); i--) {
      const at = this.stallAt[i % STALL_SLOTS]!;
      if (at > toMs) continue;
      if (at < fromMs) break;
      last ??= i;
      first = i;
    }
    const source = Atomics.load(this.counts, 2);
    if (first !== undefined && last !== undefined && last > first && source > 0) {
      const spanMs = this.stallAt[last % STALL_SLOTS]! - this.stallAt[first % STALL_SLOTS]!;
      const stalledUs = this.stall[last % STALL_SLOTS]! - this.stall[first % STALL_SLOTS]!;
      if (spanMs > 0 && stalledUs >= 0) out.stall = { stalledUs, spanMs, source: source === 1 ? 'cgroup' : 'system' };
    }
    return out;
  }
}

/**
 * The PSI file for this process: its cgroup's cpu.pressure on a cgroup v2 machine (a container's
 * own), else the machine's /proc/pressure/cpu; undefined without PSI.
 */
export function pressureFile(read: (file: string) => string | undefined = (f) => readFileSync(f, 'utf8')): { file: string; source: 'cgroup' | 'system' } | undefined {
  try {
    const line = (read('/proc/self/cgroup') ?? '')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    const rel = line?.slice(3).trim();
    if (rel !== undefined) {
      const file = `/sys/fs/cgroup${rel === '/' ? '' : rel}/cpu.pressure`;
      if (totalStallUs(read(file) ?? '') !== undefined) return { file, source: 'cgroup' };
    }
  } catch {
    // No cgroup v2 pressure here.
  }
  try {
    if (totalStallUs(read('/proc/pressure/cpu') ?? '') !== undefined) return { file: '/proc/pressure/cpu', source: 'system' };
  } catch {
    // No PSI (an old kernel, or psi=0).
  }
  return undefined;
}

/** The cumulative "some" stall time in a PSI file, µs. */
export function totalStallUs(text: string): number | undefined {
  const m = /^some .*\btotal=(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

// The worker: sleeps PROBE_PERIOD_MS on a futex (Atomics.wait), records how late it woke, reads the
// stall total every STALL_EVERY_MS, until told to stop. CommonJS: eval'd workers are scripts.
const WORKER = `
const { workerData: d } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const lateAt = new Float64Array(d.buffers.lateAt), late = new Float32Array(d.buffers.late);
const stallAt = new Float64Array(d.buffers.stallAt), stall = new Float64Array(d.buffers.stall);
const counts = new Int32Array(d.buffers.counts), stop = new Int32Array(d.stop);
const now = () => Number(process.hrtime.bigint()) / 1e6;
let nextStall = 0;
while (Atomics.load(stop, 0) === 0) {
  const t0 = now();
  Atomics.wait(stop, 0, 0, d.periodMs);
  const t1 = now();
  let i = Atomics.load(counts, 0);
  lateAt[i % d.lateSlots] = t1; late[i % d.lateSlots] = Math.max(0, t1 - t0 - d.periodMs); Atomics.store(counts, 0, i + 1);
  if (d.pressure && t1 >= nextStall) {
    nextStall = t1 + d.stallEveryMs;
    try {
      const m = /^some .*\\btotal=(\\d+)/m.exec(readFileSync(d.pressure, 'utf8'));
      if (m) { i = Atomics.load(counts, 1); stallAt[i % d.stallSlots] = now(); stall[i % d.stallSlots] = Number(m[1]); Atomics.store(counts, 2, d.source); Atomics.store(counts, 1, i + 1); }
    } catch {}
  }
}
`;

/** The local probe: a worker thread of this process. */
export function startLocalProbe(): LoadProbe {
  const ring = new ProbeRing();
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const pressure = pressureFile();
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      buffers: ring.buffers,
      stop: stop.buffer,
      periodMs: PROBE_PERIOD_MS,
      stallEveryMs: STALL_EVERY_MS,
      lateSlots: LATE_SLOTS,
      stallSlots: STALL_SLOTS,
      pressure: pressure?.file,
      source: pressure?.source === 'cgroup' ? 1 : 2,
    },
    // The probe needs no more than this; it must never keep dsgrade alive.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
  });
  worker.unref();
  worker.on('error', () => undefined);
  let stopped: Promise<void> | undefined;
  return {
    window: (from, to) => ring.window(from, to),
    stop: () => {
      stopped ??= (async () => {
        Atomics.store(stop, 0, 1);
        Atomics.notify(stop, 0);
        await worker.terminate().catch(() => undefined);
      })();
      return stopped;
    },
  };
}
