/**
 * The JUnit XML reporter, for CI dashboards and local tooling. Built with junit-report-builder, a
 * fresh builder per call (the package's default export is a shared global builder).
 */
import junitModule, { type Builder } from 'junit-report-builder';
import type { GradeReport, TestResult } from '../model.js';
import { writeFileAtomic } from './atomic-write.js';
import { findSharedCauses, sharedCauseLines } from './shared-causes.js';
import { sanitizeText, truncateMiddle } from './truncate.js';

export interface JUnitOptions {
  /** UTF-8 byte budget for each output block (failure body, error body, system-out). Default 64 KiB. */
  outputBytes?: number;
}

const DEFAULT_OUTPUT_BYTES = 64 * 1024;

/**
 * The package is CommonJS (`module.exports = builder`) while its types declare an ES default export,
 * so under NodeNext TypeScript types the default import as `{ default: Builder }`. Accept both shapes.
 */
function rootBuilder(): Builder {
  const mod = junitModule as unknown as Builder | { default: Builder };
  return 'newBuilder' in mod ? mod : mod.default;
}

/** renderJUnit returns the JUnit XML for `report`: one testsuite per suite, in first-seen order. */
export function renderJUnit(report: GradeReport, opts: JUnitOptions = {}): string {
  const limit = opts.outputBytes ?? DEFAULT_OUTPUT_BYTES;
  const builder = rootBuilder().newBuilder();
  builder.name(clean(`${report.project}`));

  const causes = findSharedCauses(report.tests);
  const suites = new Map<string, TestResult[]>();
  for (const test of report.tests) {
    const list = suites.get(test.suite) ?? [];
    list.push(test);
    suites.set(test.suite, list);
  }

  for (const [suiteName, tests] of suites) {
    const suite = builder
      .testSuite()
      .name(clean(suiteName))
      .timestamp(report.startedAt)
      .time(seconds(tests.reduce((sum, t) => sum + t.durationMs, 0)))
      .property('project', clean(report.project))
      .property('submission', clean(report.submission))
      .property('seed', String(report.seed))
      .property('dsgrade.version', clean(report.versions.dsgrade))
      .property('node.version', clean(report.versions.node))
      .property('go.version', clean(report.versions.go));
    if (report.notGraded) suite.property('graded', 'false').property('not-graded', clean(report.notGraded.summary));
    for (const test of tests) {
      const tc = suite
        .testCase()
        .className(clean(`${report.project}.${suiteName}`))
        .name(clean(test.name))
        .time(seconds(test.durationMs))
        .property('id', clean(test.id))
        .property('score', String(test.score))
        .property('max_score', String(test.maxScore));
      if (test.number !== undefined) tc.property('number', clean(test.number));
      if (test.flaky) tc.property('flaky', 'true');
      const output = cdataSafe(truncateMiddle(test.output, limit).text);
      const shared = sharedCauseLines(test, causes);
      const summary = firstLine(test.summary) + (shared.length > 0 ? ` (${firstLine(shared[0]!)})` : '');
      const body = cdataSafe(truncateMiddle(withRerun(test, shared), limit).text);
      if (test.verdict === 'failed') tc.failure(summary, 'failed').stacktrace(body);
      if (test.verdict === 'error') {
        tc.error(`dsgrade could not decide this test (harness error): ${summary}`, 'harness-error', body);
      }
      if (output) tc.standardOutput(output);
    }
  }
  return builder.build();
}

/**
 * writeJUnit writes the JUnit XML for `report` to `path` atomically (temporary file, fsync,
 * rename), creating the folder when missing.
 */
export async function writeJUnit(path: string, report: GradeReport, opts: JUnitOptions = {}): Promise<void> {
  await writeFileAtomic(path, renderJUnit(report, opts));
}

function withRerun(test: TestResult, shared: readonly string[]): string {
  const output = sanitizeText([...(shared.length > 0 ? [...shared, ''] : []), test.output].join('\n')).replace(/\n+$/, '');
  return test.rerun ? `${output}\n\nRerun locally: ${firstLine(test.rerun)}` : output;
}

function clean(text: string): string {
  return sanitizeText(text).replace(/\n/g, ' ');
}

function firstLine(text: string): string {
  return (sanitizeText(text).split('\n', 1)[0] ?? '').trim();
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms)) / 1000;
}

/**
 * cdataSafe works around xmlbuilder 15, which splits only the *first* `]]>` of a CDATA section
 * (`String.replace` with a string pattern): the first occurrence is left for xmlbuilder to split and
 * every later one is split here, the same way, so the parsed text is exactly `text`.
 * test/report/junit.test.ts checks the round trip.
 */
function cdataSafe(text: string): string {
  const first = text.indexOf(']]>');
  if (first < 0) return text;
  const rest = text.slice(first + 3).split(']]>').join(']]]]><![CDATA[>');
  return `${text.slice(0, first + 3)}${rest}`;
}
