/**
 * Near-miss names for a missing handin file: what the student probably meant to hand in.
 */
import { compileGlob } from '../util/glob.js';
import { basename } from './paths.js';

/** editDistance is the Levenshtein distance, giving up (returning limit + 1) once it exceeds limit. */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length] ?? limit + 1;
}

function stem(name: string): string {
  const dot = name.indexOf('.');
  return dot <= 0 ? name : name.slice(0, dot);
}

/**
 * nearMisses lists up to `max` submitted paths whose file name looks like `wanted` (a file name, or a
 * glob for patterns), closest first: same name elsewhere, other letter case, an extra extension
 * (`server_impl.go.txt`), the same stem (`server_impl.txt`), or at most 2 typos.
 */
export function nearMisses(wanted: string, candidates: readonly string[], max = 3): string[] {
  const scored: { path: string; score: number }[] = [];
  const glob = /[*?]/.test(wanted) ? compileGlob(wanted) : undefined;
  const want = wanted.toLowerCase();
  for (const p of candidates) {
    const name = basename(p);
    const lower = name.toLowerCase();
    let score: number | undefined;
    if (glob) {
      if (glob.test(name)) score = 0;
      else if (glob.test(lower)) score = 1;
    } else if (name === wanted) score = 0;
    else if (lower === want) score = 1;
    else if (lower.startsWith(`${want}.`) || lower.startsWith(want)) score = 2;
    else if (stem(lower) === stem(want)) score = 3;
    else {
      const d = editDistance(lower, want, 2);
      if (d <= 2 && want.length >= 4) score = 3 + d;
    }
    if (score !== undefined) scored.push({ path: p, score });
  }
  scored.sort((a, b) => a.score - b.score || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return scored.slice(0, max).map((s) => s.path);
}
