/** Number formats shared by the reporters. */

/** formatPoints writes points without float noise: 2, 2.5, 0.33. */
export function formatPoints(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** formatDuration writes 850ms, 1.2s, 2m03s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** formatSeconds writes a scenario time as 12.345s (the run report's clock). */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}
