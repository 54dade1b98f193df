/**
 * What the load probe saw while one attempt ran (docs/scheduling.md#reading-the-probe-figures):
 * plain data kept with the attempt in the JSON report, and the one line a test's output shows when
 * they mattered. Computed by src/schedule/load.ts from the probe's samples.
 */
export interface LoadFigures {
  /** The window the figures cover, ms. */
  windowMs: number;
  /** How late the probe's short sleeps woke up, ms: median, 99th percentile, worst. */
  lateP50Ms: number;
  lateP99Ms: number;
  lateMaxMs: number;
  /** Wake-ups seen over wake-ups an idle machine gives in the window (well under 1: the probe itself was starved). */
  coverage: number;
  /**
   * Share of the window in which some runnable task waited for a CPU (Linux pressure stall
   * information, cpu "some"), 0..1; absent where the kernel has none.
   */
  stallShare?: number;
  /** Whose stall share: the cgroup dsgrade's processes run in (a container's), or the whole machine's. */
  stallSource?: 'cgroup' | 'system';
  /** The verdict of the figures (src/schedule/load.ts's thresholds). */
  overloaded: boolean;
}
