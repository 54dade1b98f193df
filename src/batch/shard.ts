/**
 * Deterministic slices of a class for grading on several machines: submission `id` belongs to shard
 * `i` of `n` (1-based) when FNV-1a(id) mod n = i − 1. The hash depends on the id only, so adding or
 * removing a submission never moves the others to another shard (a resumed shard keeps its work).
 */
import { DsgradeError } from '../errors.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new DsgradeError('USAGE', `invalid --shard: ${text}`, { fix: 'write i/n with 1 ≤ i ≤ n, e.g. --shard 2/5 (Kubernetes: --shard $((JOB_COMPLETION_INDEX+1))/N)' });
  }
  return { index, count };
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function inShard(id: string, shard: Shard | undefined): boolean {
  return !shard || fnv1a(id) % shard.count === shard.index - 1;
}
