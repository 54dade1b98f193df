/**
 * The CPU-aware scheduler of one grading run (docs/scheduling.md), pure: jobs with their expected
 * wall time, CPU rate (cores: CPU time over wall time) and peak memory, the cores and memory
 * available → which jobs to start now. The pipeline asks it whenever something starts or ends
 * (pipeline/job-runner.ts); nothing here runs a process or reads a clock.
 *
 * - Jobs run side by side while the sum of their expected CPU rates stays within HEADROOM of the
 *   cores available, and their expected peak memory within HEADROOM of the memory; a job that
 *   exceeds that alone still runs, alone. At most `maxJobs` run at once (`--jobs`).
 * - Longest first (by expected wall time; a job without a timing counts as longest, since nothing
 *   bounds it, and as one core): the long ones cannot end up alone at the end.
 * - When the next job in that order does not fit, it keeps its place: later jobs start beside
 *   the running ones only if they are expected to end before it can start, or if they still fit
 *   once it has started (backfilling that never delays the head: "EASY" backfilling).
 * - `exclusive` jobs run alone, after every other job.
 * - While the load probe shows the machine overloaded, nothing new starts beside running jobs.
 * - The reference's CPU rates may understate a submission (a busy-waiting student): once jobs
 *   have finished, their measured CPU over what was expected scales every later estimate up
 *   (never down).
 */

/** Share of the cores (and of the memory) the jobs' expected use may fill. */
export const HEADROOM = 0.75;
/** CPU rate of a job the timings do not know: one core. */
export const UNKNOWN_CPU_RATE = 1;
/** Peak memory of a job the timings do not know. */
export const UNKNOWN_PEAK_RSS_BYTES = 256 * 1024 ** 2;
/** The observed-over-expected CPU factor never goes beyond this. */
const MAX_FACTOR = 8;
/** Pseudo-count (ms of CPU) that keeps a few short jobs from swinging the factor. */
const FACTOR_PRIOR_MS = 1000;

export interface JobEstimate {
  /** Expected wall time of the whole job (all its repeats), ms. */
  wallMs?: number;
  /** Expected CPU rate, cores. */
  cpuRate?: number;
  peakRssBytes?: number;
}

export interface SchedulerJob {
  id: string;
  exclusive: boolean;
  /** What the project's timings say; empty when they do not know the job. */
  estimate: JobEstimate;
}

export interface Capacity {
  /** Cores available to student processes (the cgroup quota, else the machine's). */
  cores: number;
  /** Memory available to them, bytes. */
  memoryBytes: number;
  /** Most jobs at once (`--jobs`); Infinity for no bound. */
  maxJobs: number;
}

interface Running {
  job: SchedulerJob;
  startedMs: number;
}

export class CpuScheduler {
  /** Jobs in the order they are considered: shared ones longest first, then the exclusive ones. */
  readonly order: readonly SchedulerJob[];
  private readonly pending: SchedulerJob[];
  private readonly running = new Map<string, Running>();
  private observedCpuMs = 0;
  private expectedCpuMs = 0;

  constructor(
    jobs: readonly SchedulerJob[],
    private readonly capacity: Capacity,
  ) {
    const byLength = (xs: SchedulerJob[]): SchedulerJob[] =>
      xs
        .map((job, i) => ({ job, i }))
        .sort((a, b) => (b.job.estimate.wallMs ?? Infinity) - (a.job.estimate.wallMs ?? Infinity) || a.i - b.i)
        .map((x) => x.job);
    this.order = [...byLength(jobs.filter((j) => !j.exclusive)), ...byLength(jobs.filter((j) => j.exclusive))];
    this.pending = [...this.order];
  }

  get done(): boolean {
    return this.pending.length === 0 && this.running.size === 0;
  }

  get runningCount(): number {
    return this.running.size;
  }

  /** How much heavier than the timings this submission's jobs turned out (≥ 1). */
  get factor(): number {
    return Math.min(MAX_FACTOR, Math.max(1, (this.observedCpuMs + FACTOR_PRIOR_MS) / (this.expectedCpuMs + FACTOR_PRIOR_MS)));
  }

  /** The CPU rate a job is planned with: its timing scaled by the factor, or one core. */
  rateOf(job: SchedulerJob): number {
    const r = job.estimate.cpuRate;
    return r === undefined ? UNKNOWN_CPU_RATE : Math.min(this.capacity.cores, r * this.factor);
  }

  memoryOf(job: SchedulerJob): number {
    return job.estimate.peakRssBytes ?? UNKNOWN_PEAK_RSS_BYTES;
  }

  /** The expected CPU load (cores) of the running jobs. */
  get load(): number {
    let sum = 0;
    for (const r of this.running.values()) sum += this.rateOf(r.job);
    return sum;
  }

  /** The jobs to start at `nowMs`, in order; they count as running from now. */
  start(nowMs: number, overloadedNow = false): SchedulerJob[] {
    const started: SchedulerJob[] = [];
    const begin = (job: SchedulerJob): void => {
      this.pending.splice(this.pending.indexOf(job), 1);
      this.running.set(job.id, { job, startedMs: nowMs });
      started.push(job);
    };
    const exclusiveRunning = [...this.running.values()].some((r) => r.job.exclusive);
    if (exclusiveRunning) return started;
    const sharedLeft = this.pending.some((j) => !j.exclusive) || [...this.running.values()].some((r) => !r.job.exclusive);
    if (!sharedLeft) {
      const next = this.pending[0];
      if (next && this.running.size === 0) begin(next);
      return started;
    }
    const cpuCap = this.capacity.cores * HEADROOM;
    const memCap = this.capacity.memoryBytes * HEADROOM;
    let head: SchedulerJob | undefined;
    let shadowMs = Infinity;
    let spareCpu = 0;
    let spareMem = 0;
    for (const job of [...this.pending]) {
      if (job.exclusive) break;
      if (this.running.size >= this.capacity.maxJobs) break;
      // The machine is overloaded: what runs finishes before anything joins it.
      if (overloadedNow && this.running.size > 0) break;
      const cpu = this.rateOf(job);
      const mem = this.memoryOf(job);
      const fits = this.running.size === 0 || (this.load + cpu <= cpuCap + 1e-9 && this.usedMemory() + mem <= memCap);
      if (!head) {
        if (fits) {
          begin(job);
          continue;
        }
        // The head waits for room; find when it will have it, and what is left beside it then.
        head = job;
        ({ shadowMs, spareCpu, spareMem } = this.shadow(job, nowMs, cpuCap, memCap));
        continue;
      }
      if (!fits) continue;
      const wall = job.estimate.wallMs ?? Infinity;
      if (nowMs + wall <= shadowMs) {
        begin(job);
      } else if (cpu <= spareCpu + 1e-9 && mem <= spareMem) {
        spareCpu -= cpu;
        spareMem -= mem;
        begin(job);
      }
    }
    return started;
  }

  /** A job ended; `observed` is what it measurably used, to learn how heavy this submission is. */
  finish(id: string, observed?: { cpuMs: number; wallMs: number }): void {
    const r = this.running.get(id);
    if (!r) return;
    this.running.delete(id);
    const rate = r.job.estimate.cpuRate;
    if (observed && rate !== undefined && observed.wallMs > 0) {
      this.observedCpuMs += observed.cpuMs;
      this.expectedCpuMs += rate * observed.wallMs;
    }
  }

  private usedMemory(): number {
    let sum = 0;
    for (const r of this.running.values()) sum += this.memoryOf(r.job);
    return sum;
  }

  /**
   * When `head` can start, by the running jobs' expected ends, and the CPU and memory that will
   * be left beside it then. Jobs running past their estimate are expected to end any moment.
   */
  private shadow(head: SchedulerJob, nowMs: number, cpuCap: number, memCap: number): { shadowMs: number; spareCpu: number; spareMem: number } {
    const ends = [...this.running.values()]
      .map((r) => ({ at: Math.max(nowMs, r.startedMs + (r.job.estimate.wallMs ?? Infinity)), cpu: this.rateOf(r.job), mem: this.memoryOf(r.job) }))
      .sort((a, b) => a.at - b.at);
    let cpu = this.load;
    let mem = this.usedMemory();
    const need = this.rateOf(head);
    const needMem = this.memoryOf(head);
    for (let i = 0; i < ends.length; i++) {
      const e = ends[i]!;
      cpu -= e.cpu;
      mem -= e.mem;
      const empty = i === ends.length - 1;
      if (empty || (cpu + need <= cpuCap + 1e-9 && mem + needMem <= memCap)) {
        return { shadowMs: e.at, spareCpu: Math.max(0, cpuCap - cpu - need), spareMem: Math.max(0, memCap - mem - needMem) };
      }
    }
    return { shadowMs: nowMs, spareCpu: 0, spareMem: 0 };
  }
}

export interface Simulation {
  /** When each job starts, in start order. */
  starts: { id: string; atMs: number }[];
  makespanMs: number;
  /** Most jobs running at once. */
  maxConcurrent: number;
  /** Highest sum of planned CPU rates at any time (cores). */
  peakLoad: number;
}

/**
 * What the scheduler does with `jobs` if each takes `actualMs(job)` (default: its estimate, or 1 s)
 * and uses its estimated CPU: for tests, and for `dsgrade profile` to print the expected grade time.
 */
export function simulate(jobs: readonly SchedulerJob[], capacity: Capacity, actualMs: (job: SchedulerJob) => number = (j) => j.estimate.wallMs ?? 1000): Simulation {
  const s = new CpuScheduler(jobs, capacity);
  const ends: { id: string; atMs: number; job: SchedulerJob }[] = [];
  const starts: { id: string; atMs: number }[] = [];
  let now = 0;
  let maxConcurrent = 0;
  let peakLoad = 0;
  while (!s.done) {
    for (const job of s.start(now)) {
      starts.push({ id: job.id, atMs: now });
      ends.push({ id: job.id, atMs: now + actualMs(job), job });
    }
    maxConcurrent = Math.max(maxConcurrent, s.runningCount);
    peakLoad = Math.max(peakLoad, s.load);
    ends.sort((a, b) => a.atMs - b.atMs);
    const next = ends.shift();
    if (!next) break;
    now = next.atMs;
    const wall = actualMs(next.job);
    s.finish(next.id, { cpuMs: (next.job.estimate.cpuRate ?? UNKNOWN_CPU_RATE) * wall, wallMs: wall });
  }
  return { starts, makespanMs: now, maxConcurrent, peakLoad: Math.round(peakLoad * 1000) / 1000 };
}
