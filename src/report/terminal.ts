/**
 * The terminal reporter: a results table for humans, and a progress display while tests run.
 * Plain ANSI codes, no dependency; colour only when asked for.
 */
import { HUMAN_REVIEW_SHORT } from '../gate/gate.js';
import type { GradeReport, TestResult, Verdict } from '../model.js';
import { passRateText, rerunLine, runsHeadline } from '../scoring/runs-summary.js';
import { formatDuration, formatPoints } from './format.js';
import { findSharedCauses, sharedCauseSection } from './shared-causes.js';
import { sanitizeText } from './truncate.js';

export interface TableOptions {
  color: boolean;
  /** Maximum line width in columns; lines are cut to it. Default 100. */
  width?: number;
}

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', dim: '\u001b[2m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m' };

const VERDICT_WORD: Record<Verdict, string> = { passed: 'PASS', failed: 'FAIL', error: 'ERROR' };
const VERDICT_COLOR: Record<Verdict, string> = { passed: ANSI.green, failed: ANSI.red, error: ANSI.yellow };
const TEST_COLUMN_MAX = 48;

/**
 * renderTable returns the results of `report` as text for a terminal: one row per test (number,
 * test id, verdict, points, time, first line of the summary for tests that did not pass), then the
 * notices, the total, the seed, and how to rerun the first failed test. Every line fits `width`.
 */
export function renderTable(report: GradeReport, opts: TableOptions): string {
  const width = Math.max(20, Math.floor(opts.width ?? 100));
  const paint = (code: string, text: string) => (opts.color ? `${code}${text}${ANSI.reset}` : text);

  const header = ['#', 'Test', 'Result', 'Points', 'Time'];
  const rows = report.tests.map((t, i) => ({
    test: t,
    cells: [
      cellText(t.number ?? String(i + 1)),
      cellText(t.id),
      VERDICT_WORD[t.verdict],
      `${formatPoints(t.score)}/${formatPoints(t.maxScore)}`,
      formatDuration(t.durationMs),
    ],
  }));
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r.cells[c] ?? '').length)));
  widths[1] = Math.min(widths[1] ?? 0, TEST_COLUMN_MAX);
  const align = (cells: string[]) =>
    cells.map((cell, c) => {
      const w = widths[c] ?? 0;
      const fitted = fit(cell, w);
      return c === 3 || c === 4 ? fitted.padStart(w) : fitted.padEnd(w);
    });

  const lines: string[] = [];
  lines.push(paint(ANSI.bold, fit([...align(header), 'Summary'].join('  '), width)));
  for (const { test, cells } of rows) {
    const fixed = align(cells);
    const summary = test.verdict === 'passed' ? (test.flaky ? `flaky: ${test.runs ? runsHeadline(test.runs) : 'mixed outcomes across attempts'}` : '') : cellText(test.summary);
    const plain = fit([...fixed, summary].join('  ').trimEnd(), width);
    // Colour the verdict cell only; the cut above was made on the plain text so widths stay right.
    const verdictAt = fixed.slice(0, 2).join('  ').length + 2;
    const word = VERDICT_WORD[test.verdict];
    lines.push(
      opts.color && plain.length >= verdictAt + word.length
        ? `${plain.slice(0, verdictAt)}${paint(VERDICT_COLOR[test.verdict], word)}${plain.slice(verdictAt + word.length)}`
        : plain,
    );
  }

  const causes = sharedCauseSection(findSharedCauses(report.tests));
  if (causes.length) {
    lines.push('');
    const [heading, ...rest] = causes;
    lines.push(paint(ANSI.bold, fit(heading!, width)));
    for (const l of rest) lines.push(fit(`${l.match(/^ */)![0]}${cellText(l)}`, width));
  }

  if (report.notices.length) {
    lines.push('');
    for (const n of report.notices) {
      const code = n.level === 'error' ? ANSI.red : n.level === 'warning' ? ANSI.yellow : ANSI.dim;
      const label = `${n.level}:`;
      const text = fit(`${label} ${cellText(n.message)}`, width);
      lines.push(opts.color ? `${paint(code, label)}${text.slice(label.length)}` : text);
    }
  }

  const count = (v: Verdict) => report.tests.filter((t) => t.verdict === v).length;
  const errors = count('error');
  if (report.notGraded) {
    lines.push('', paint(ANSI.red, fit(`NOT GRADED: ${cellText(report.notGraded.summary).replace(/^not graded: /, '')}`, width)));
    const more = report.notGraded.findings.length - 1;
    if (more > 0) lines.push(fit(`(and ${more} more finding${more === 1 ? '' : 's'}: see any test's output)`, width));
    lines.push(fit(HUMAN_REVIEW_SHORT, width));
  }
  lines.push('');
  lines.push(
    paint(
      ANSI.bold,
      `Score: ${formatPoints(report.score)}/${formatPoints(report.maxScore)}  (${count('passed')} passed, ${count('failed')} failed, ${errors} error${errors === 1 ? '' : 's'})`,
    ),
  );
  if (errors) {
    lines.push(fit(`${errors} test${errors === 1 ? '' : 's'} could not be decided by dsgrade (harness error); not the submission's fault.`, width));
  }
  lines.push(`Seed: ${report.seed}`);
  const rerun = report.tests.find((t) => t.verdict === 'failed' && t.rerun)?.rerun;
  // The rerun command is meant to be copied: never cut it.
  if (rerun) lines.push(`Rerun a failed test: ${cellText(rerun)}`);
  // Run reports (HTML) of failed scenarios and go tests: where to open them; links are never cut either.
  const pages = report.tests.filter((t) => t.verdict !== 'passed' && t.runReport);
  for (const t of pages.slice(0, 5)) lines.push(`Run report of ${cellText(t.id)}: ${cellText(t.runReport!)}${t.runReport!.startsWith('/') ? '' : ' (in the results folder)'}`);
  if (pages.length > 5) lines.push(`(and ${pages.length - 5} more run reports: see each test's output)`);
  lines.push(...failingRunsSection(report.tests, width));
  return `${lines.join('\n')}\n`;
}

/**
 * Every test with failing runs (also one that passed under its pass rule): the headline and pass
 * rate, then the rerun line of its first failing run (never cut: it is meant to be copied).
 */
function failingRunsSection(tests: readonly TestResult[], width: number): string[] {
  const withFailures = tests.filter((t) => t.runs && t.runs.failing.length > 0);
  if (withFailures.length === 0) return [];
  const lines = ['', 'Runs that failed (each run has its own seed):'];
  for (const t of withFailures) {
    const s = t.runs!;
    const rate = passRateText(s);
    lines.push(fit(`  ${cellText(t.id)}: ${runsHeadline(s)}${rate ? `; ${rate}` : ''}`, width));
    lines.push(`    ${cellText(rerunLine(s, s.failing[0]!))}`);
  }
  return lines;
}

/** cellText cleans `text` (no control characters or escapes) and keeps its first line. */
function cellText(text: string): string {
  return (sanitizeText(text).split('\n', 1)[0] ?? '').replace(/\t/g, ' ').trim();
}

/** fit cuts `text` to `width` characters, ending with `…` when cut. */
function fit(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

export interface ProgressOptions {
  isTTY: boolean;
  total: number;
}

export interface Progress {
  start(id: string): void;
  finish(result: TestResult): void;
  /** Ends the display (clears the status line on a TTY). Further calls do nothing. */
  done(): void;
}

/**
 * createProgress reports progress on `stream`: on a TTY a single status line rewritten in place
 * ("[12/40] running partA/TestBasic3 … 2 failed so far"), otherwise one plain line per finished
 * test. Writes nothing when `total` is 0.
 */
export function createProgress(stream: NodeJS.WritableStream, opts: ProgressOptions): Progress {
  if (opts.total <= 0) return { start() {}, finish() {}, done() {} };
  const running: string[] = [];
  let finished = 0;
  let failed = 0;
  let errors = 0;
  let closed = false;
  const pad = String(opts.total).length;
  const counter = () => `[${String(finished).padStart(pad)}/${opts.total}]`;

  const status = (): string => {
    const current = running[0];
    let line = counter();
    if (current) line += ` running ${current}${running.length > 1 ? ` (+${running.length - 1} more)` : ''}`;
    const bad = [failed ? `${failed} failed` : '', errors ? `${errors} error${errors === 1 ? '' : 's'}` : ''].filter(Boolean);
    if (bad.length) line += ` … ${bad.join(', ')} so far`;
    const columns = (stream as { columns?: number }).columns;
    // A line longer than the terminal wraps, and `\r` would then rewrite only its last row.
    return columns && columns > 1 ? fit(line, columns - 1) : line;
  };
  const redraw = () => stream.write(`\r\u001b[2K${status()}`);

  return {
    start(id) {
      if (closed) return;
      running.push(cellText(id));
      if (opts.isTTY) redraw();
    },
    finish(result) {
      if (closed) return;
      const at = running.indexOf(cellText(result.id));
      if (at >= 0) running.splice(at, 1);
      finished++;
      if (result.verdict === 'failed') failed++;
      if (result.verdict === 'error') errors++;
      if (opts.isTTY) {
        redraw();
        return;
      }
      const summary = result.verdict === 'passed' ? '' : cellText(result.summary);
      stream.write(
        `${counter()} ${VERDICT_WORD[result.verdict]} ${cellText(result.id)} ${formatPoints(result.score)}/${formatPoints(result.maxScore)} (${formatDuration(result.durationMs)})${summary ? ` — ${summary}` : ''}\n`,
      );
    },
    done() {
      if (closed) return;
      closed = true;
      if (opts.isTTY) stream.write('\r\u001b[2K');
    },
  };
}
