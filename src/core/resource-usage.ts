/**
 * What a process tree used, as the sandbox measured it (docs/scheduling.md): CPU time of every
 * process the program started, reaped and counted by the supervisor it ran under (dsgrade-jail
 * -report-fd locally, dsgrade-exec in the run container), and the largest single process's peak
 * resident memory. Plain data shared by the sandbox, the model and the scheduler.
 */
export interface ResourceUsage {
  /** User + system CPU time of the whole tree, in milliseconds. */
  cpuMs: number;
  userMs: number;
  sysMs: number;
  /** Peak resident set size of the largest single process of the tree, in bytes. */
  peakRssBytes: number;
  /** False when some process could not be reaped in time: the figures are then a lower bound. */
  complete: boolean;
}

/** The supervisors' JSON (harness/proctree.Usage) as ResourceUsage; undefined when it is not that shape. */
export function usageFromReport(v: unknown): ResourceUsage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const n = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : undefined);
  const user = n(r.userUs);
  const sys = n(r.sysUs);
  const rss = n(r.maxRssKiB);
  if (user === undefined || sys === undefined || rss === undefined) return undefined;
  const ms = (us: number): number => Math.round(us / 100) / 10;
  return { cpuMs: ms(user + sys), userMs: ms(user), sysMs: ms(sys), peakRssBytes: rss * 1024, complete: r.complete === true };
}

/**
 * Adds the usage of processes that ran side by side (a scenario's nodes): CPU times add up, and so
 * do peak RSS figures (an upper bound of what they held at once, which is what admission needs).
 */
export function addUsage(a: ResourceUsage | undefined, b: ResourceUsage | undefined): ResourceUsage | undefined {
  if (!a) return b;
  if (!b) return a;
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { cpuMs: r(a.cpuMs + b.cpuMs), userMs: r(a.userMs + b.userMs), sysMs: r(a.sysMs + b.sysMs), peakRssBytes: a.peakRssBytes + b.peakRssBytes, complete: a.complete && b.complete };
}
