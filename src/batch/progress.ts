/**
 * Batch progress on a terminal: one status line rewritten in place on a TTY
 * ("[12/30] 40% · ETA 6m10s · 3 below full marks · 1 not graded · grading alice"), one plain line
 * per finished submission otherwise (logs, CI).
 */
import { formatDuration, formatPoints } from '../report/format.js';
import type { BatchEvent } from './batch.js';

export interface BatchProgressOptions {
  isTTY: boolean;
  columns?: number;
  /** Submissions graded at once, for the ETA. */
  jobs: number;
  now?: () => number;
}

export function createBatchProgress(stream: NodeJS.WritableStream, opts: BatchProgressOptions): { onEvent(e: BatchEvent): void; done(): void } {
  const now = opts.now ?? (() => performance.now());
  let total = 0;
  let done = 0;
  let below = 0;
  let notGraded = 0;
  const running = new Map<string, number>();
  const durations: number[] = [];
  let closed = false;

  const eta = (): string => {
    const left = total - done;
    if (left <= 0) return '0s';
    if (durations.length === 0) return '…';
    const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
    // Running submissions are part-way through; count half of each.
    return formatDuration((mean * Math.max(0, left - running.size / 2)) / Math.max(1, opts.jobs));
  };
  const status = (): string => {
    const pct = total === 0 ? 100 : Math.floor((100 * done) / total);
    const bits = [`[${done}/${total}] ${pct}%`, `ETA ${eta()}`];
    if (below) bits.push(`${below} below full marks`);
    if (notGraded) bits.push(`${notGraded} not graded`);
    const current = [...running.keys()];
    if (current.length) bits.push(`grading ${current[0]}${current.length > 1 ? ` (+${current.length - 1})` : ''}`);
    const line = bits.join(' · ');
    const cols = opts.columns ?? 0;
    return cols > 1 && line.length > cols - 1 ? `${line.slice(0, cols - 2)}…` : line;
  };
  const redraw = () => stream.write(`\r\u001b[2K${status()}`);
  const print = (line: string) => stream.write(opts.isTTY ? `\r\u001b[2K${line}\n${status()}` : `${line}\n`);

  return {
    onEvent(e) {
      if (closed) return;
      switch (e.kind) {
        case 'planned':
          total = e.toGrade;
          for (const w of e.warnings) print(`warning: ${w}`);
          print(
            `${e.total} submission(s) (${e.layout})${e.otherShards ? `, ${e.otherShards} in other shards` : ''}; ${e.resumed} already graded (skipped; --force regrades)` +
              `, ${e.toGrade} to grade; seed ${e.seed}`,
          );
          break;
        case 'started':
          running.set(e.id, now());
          if (opts.isTTY) redraw();
          break;
        case 'graded': {
          const started = running.get(e.id) ?? now();
          running.delete(e.id);
          durations.push(now() - started);
          done++;
          const full = e.report.score >= e.report.maxScore - 1e-9;
          if (!full) below++;
          const errs = e.report.tests.filter((t) => t.verdict === 'error').length;
          print(
            `[${done}/${total}] ${e.id}: ${formatPoints(e.report.score)}/${formatPoints(e.report.maxScore)}${errs ? ` (${errs} harness error(s))` : ''} in ${formatDuration(e.report.durationMs)} · ETA ${eta()}`,
          );
          break;
        }
        case 'failed': {
          const started = running.get(e.id) ?? now();
          running.delete(e.id);
          durations.push(now() - started);
          done++;
          notGraded++;
          print(`[${done}/${total}] ${e.id}: NOT GRADED — ${e.message.split('\n')[0] ?? ''}`);
          break;
        }
      }
    },
    done() {
      if (closed) return;
      closed = true;
      if (opts.isTTY) stream.write('\r\u001b[2K');
    },
  };
}
