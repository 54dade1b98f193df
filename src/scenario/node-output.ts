/**
 * Everything one node prints, across restarts: written to capped artifact files, split into lines,
 * and matched as it arrives against every pattern the scenario will ask about (readiness, waits,
 * expectations), so a check never needs the whole output in memory and sees every line even when
 * the files are capped. Keeps the last lines for failure messages.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Stream } from './types.js';

export interface Line {
  tMs: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

interface Matcher {
  re: RegExp;
  stream: Stream;
  /** Times (ms since the scenario start) of matching lines, capped; `count` counts all. */
  times: number[];
  count: number;
  last?: RegExpExecArray;
  /** When `last` was printed. */
  lastAt?: number;
}

interface Waiter {
  matcher: Matcher;
  sinceMs: number;
  resolve(hit: boolean): void;
}

const MAX_TIMES = 100_000;
const TAIL_LINES = 40;
const MAX_LINE = 64 * 1024;
const TIMED_KEEP = 1000;
const TIMED_LINE = 500;

export class NodeOutput {
  private readonly files: Record<'stdout' | 'stderr', { ws: WriteStream; written: number; capped: boolean }>;
  private readonly partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private readonly matchers = new Map<string, Matcher>();
  private waiters: Waiter[] = [];
  private readonly tailLines: Line[] = [];
  /** Timestamped lines for the run report: the first and the last TIMED_KEEP, with the count in between. */
  private readonly timedHead: Line[] = [];
  private readonly timedTail: Line[] = [];
  private timedOmitted = 0;
  /** Bytes printed in total, every incarnation. */
  total = 0;

  constructor(
    readonly node: string,
    paths: { stdout: string; stderr: string },
    private readonly capBytes: number,
    private readonly now: () => number,
  ) {
    this.files = {
      stdout: { ws: createWriteStream(paths.stdout), written: 0, capped: false },
      stderr: { ws: createWriteStream(paths.stderr), written: 0, capped: false },
    };
  }

  /** Registers a pattern; lines seen before registration are not counted, so register up front. */
  watch(source: string, stream: Stream = 'both'): string {
    const key = `${stream}\u0000${source}`;
    if (!this.matchers.has(key)) this.matchers.set(key, { re: new RegExp(source), stream, times: [], count: 0 });
    return key;
  }

  push(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this.total += chunk.length;
    this.writeFile(stream, chunk);
    let text = this.partial[stream] + chunk.toString('utf8');
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      this.line(stream, text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    if (text.length > MAX_LINE) {
      this.line(stream, text);
      text = '';
    }
    this.partial[stream] = text;
  }

  /** A line from dsgrade itself in both files (start, exit); not matched. */
  marker(text: string): void {
    for (const s of ['stdout', 'stderr'] as const) this.writeFile(s, Buffer.from(`--- dsgrade ${(this.now() / 1000).toFixed(3)}s: ${text} ---\n`), true);
  }

  /** The process ended: a last line without a newline still counts. */
  endIncarnation(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s] !== '') this.line(s, this.partial[s]);
      this.partial[s] = '';
    }
  }

  private writeFile(stream: 'stdout' | 'stderr', chunk: Buffer, force = false): void {
    const f = this.files[stream];
    if (f.capped && !force) return;
    if (!force && f.written + chunk.length > this.capBytes) {
      f.ws.write(chunk.subarray(0, Math.max(0, this.capBytes - f.written)));
      f.ws.write(`\n--- dsgrade: output beyond ${this.capBytes} bytes is not kept (checks still see every line) ---\n`);
      f.capped = true;
      f.written = this.capBytes;
      return;
    }
    f.ws.write(chunk);
    f.written += chunk.length;
  }

  private line(stream: 'stdout' | 'stderr', raw: string): void {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const tMs = this.now();
    this.tailLines.push({ tMs, stream, text });
    if (this.tailLines.length > TAIL_LINES) this.tailLines.shift();
    const timed = { tMs, stream, text: text.length > TIMED_LINE ? `${text.slice(0, TIMED_LINE)}…` : text };
    if (this.timedHead.length < TIMED_KEEP) this.timedHead.push(timed);
    else {
      this.timedTail.push(timed);
      if (this.timedTail.length > TIMED_KEEP) {
        this.timedTail.shift();
        this.timedOmitted++;
      }
    }
    for (const m of this.matchers.values()) {
      if (m.stream !== 'both' && m.stream !== stream) continue;
      const hit = m.re.exec(text);
      if (!hit) continue;
      m.count++;
      m.last = hit;
      m.lastAt = tMs;
      if (m.times.length < MAX_TIMES) m.times.push(tMs);
    }
    if (this.waiters.length > 0) {
      this.waiters = this.waiters.filter((w) => {
        if (w.matcher.times.length > 0 && w.matcher.times[w.matcher.times.length - 1]! >= w.sinceMs) {
          w.resolve(true);
          return false;
        }
        return true;
      });
    }
  }

  private matcher(key: string): Matcher {
    const m = this.matchers.get(key);
    if (!m) throw new Error(`pattern ${key} was not registered for ${this.node}`);
    return m;
  }

  /** Whether a matching line arrived at or after sinceMs (and, if given, at or before untilMs). */
  seen(key: string, sinceMs = 0, untilMs = Infinity): boolean {
    return this.matcher(key).times.some((t) => t >= sinceMs && t <= untilMs);
  }

  firstAt(key: string, sinceMs = 0): number | undefined {
    return this.matcher(key).times.find((t) => t >= sinceMs);
  }

  count(key: string): number {
    return this.matcher(key).count;
  }

  lastMatch(key: string): RegExpExecArray | undefined {
    return this.matcher(key).last;
  }

  /** The most recent matching line, if it was printed at or after sinceMs. */
  latest(key: string, sinceMs = 0): { text: string; tMs: number } | undefined {
    const m = this.matcher(key);
    return m.last && m.lastAt !== undefined && m.lastAt >= sinceMs ? { text: m.last.input, tMs: m.lastAt } : undefined;
  }

  /** Resolves true as soon as a matching line at or after sinceMs exists, false after timeoutMs. */
  waitFor(key: string, sinceMs: number, timeoutMs: number): Promise<boolean> {
    if (this.seen(key, sinceMs)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = { matcher: this.matcher(key), sinceMs, resolve: () => undefined };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, Math.max(0, timeoutMs));
      waiter.resolve = (hit) => {
        clearTimeout(timer);
        resolve(hit);
      };
      this.waiters.push(waiter);
    });
  }

  /** Every line with its time (ms since the scenario start), or the first and last ones and how many were left out. */
  timedLines(): { lines: Line[]; omitted: number } {
    return { lines: [...this.timedHead, ...this.timedTail], omitted: this.timedOmitted };
  }

  tail(n = 15): Line[] {
    return this.tailLines.slice(-n);
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
    await Promise.all(Object.values(this.files).map((f) => new Promise<void>((r) => f.ws.end(() => r()))));
  }
}
