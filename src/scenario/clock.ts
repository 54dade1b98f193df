/**
 * The scenario's clock: milliseconds since the scenario started, unrounded and strictly
 * increasing from one reading to the next. Every observation (a line read from a node, a step
 * begun, an acknowledgement from the proxy) therefore gets its own time, and "since the previous
 * step began" follows the order in which dsgrade saw things. A clock rounded to whole milliseconds
 * gave the line that ended one step and the start of a later step the same time, so `since:
 * "previous"` counted a line read before the previous step began (issue #16).
 */
export class ScenarioClock {
  /** performance.now() at the scenario start. */
  readonly origin = performance.now();
  private last = -Infinity;

  /** `limitMs`: the scenario's time limit, which `remaining` and `sleep` count down to. */
  constructor(readonly limitMs = Infinity) {}

  /** ms since the start; never the same value twice. */
  now(): number {
    const t = performance.now() - this.origin;
    // performance.now() may repeat a value (coarse timers); a nanosecond step keeps the order.
    this.last = t > this.last ? t : this.last + 1e-6;
    return this.last;
  }

  /** ms left before the time limit (negative past it). */
  remaining(): number {
    return this.limitMs - this.now();
  }

  /** Waits `ms`, never past the time limit. */
  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, Math.max(0, Math.min(ms, this.remaining()))));
  }

  /** A performance.now() value as ms since the start. */
  fromPerformance(t: number): number {
    return t - this.origin;
  }
}

/** A time for artifacts and messages: the clock's value to the microsecond. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
