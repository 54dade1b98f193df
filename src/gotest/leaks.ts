/**
 * Judging a suite's "nothing left running" item (manifest `leaks`, docs/manifest.md) from what the
 * injected TestMain measured after each passing test and sealed into the attempt's record
 * (record.ts, harness/gotest/leakcheck). Pure: the stage turns the judgement into a TestResult.
 */
import type { LeakPolicy } from '../manifest/types.js';
import type { Verdict } from '../model.js';
import type { LeakReport } from './record.js';

export interface TestLeakRuns {
  test: string;
  attempts: { verdict: Verdict; leaks?: LeakReport }[];
}

export interface LeakJudgement {
  verdict: 'passed' | 'failed';
  summary: string;
  output: string;
}

/** What one test left behind, the worst of its passing attempts. */
interface Offence {
  test: string;
  goroutines: number;
  settleMs: number;
  cpuPercent?: number;
  stacks: { count: number; stack: string }[];
  moreStacks: number;
}

export function cpuPercent(r: LeakReport): number | undefined {
  if (!r.windowMs || r.cpuMs === undefined) return undefined;
  return Math.round((r.cpuMs / r.windowMs) * 100);
}

/** Whether one passing attempt's report fails the policy. */
export function offends(policy: Pick<LeakPolicy, 'maxCpuPercent' | 'allowIdleGoroutines'>, r: LeakReport): boolean {
  const burning = r.windowMs !== undefined && r.windowMs > 0 && r.cpuMs !== undefined && (r.cpuMs / r.windowMs) * 100 > policy.maxCpuPercent;
  return burning || (r.goroutines > 0 && !policy.allowIdleGoroutines);
}

/**
 * `displayName` maps a handed-in file's tree path to the name the student knows it by, so that
 * stacks point at their own file.
 */
export function judgeLeaks(policy: LeakPolicy, tests: TestLeakRuns[], opts: { studentFiles: readonly string[]; displayName(treePath: string): string }): LeakJudgement {
  const settle = seconds(policy.settleMs);
  const how =
    `After each test that passed, dsgrade waited up to ${settle} for the goroutines your code started (those whose "created by" frame is in a file you handed in) ` +
    `to return, then measured the CPU they used for ${seconds(policy.cpuWindowMs)}. Goroutines the tests started are never counted, even when they wait inside one of your methods.`;
  const intro = [...(policy.description ? [`What this checks: ${policy.description}`] : []), how];
  const excluded = tests.filter((t) => policy.exclude.includes(t.test)).map((t) => t.test);
  const considered = tests.filter((t) => !policy.exclude.includes(t.test));
  const judged = considered.filter((t) => t.attempts.some((a) => a.verdict === 'passed' && a.leaks));
  const failedTests = considered.filter((t) => !judged.includes(t)).map((t) => t.test);
  const notes = [
    ...(failedTests.length > 0 ? [`Not judged because they did not pass: ${list(failedTests)}.`] : []),
    ...(excluded.length > 0 ? [`Not judged by the project's rules (these tests do not close everything they create): ${list(excluded)}.`] : []),
  ];
  if (judged.length === 0) {
    return {
      verdict: 'failed',
      summary: considered.length === 0 ? 'not judged: none of the tests it covers ran (select the whole suite)' : 'not judged: none of the tests it covers passed',
      output: [...intro, '', ...notes].join('\n'),
    };
  }
  const offences: Offence[] = [];
  const stillClosing: string[] = [];
  for (const t of judged) {
    const bad = t.attempts.filter((a): a is { verdict: Verdict; leaks: LeakReport } => a.verdict === 'passed' && a.leaks !== undefined && offends(policy, a.leaks));
    if (bad.length === 0) continue;
    // A Close the test called had not returned: the contract lets it block, and its goroutines serve it meanwhile.
    const excused = bad.filter((a) => (a.leaks.closing ?? []).length > 0);
    if (excused.length === bad.length) {
      stillClosing.push(`${t.test} (${[...new Set(excused.flatMap((a) => a.leaks.closing!))].map(shortFunc).join(', ')})`);
      continue;
    }
    const worst = bad.filter((a) => !a.leaks.closing?.length).reduce((a, b) => (score(b.leaks) > score(a.leaks) ? b : a)).leaks;
    offences.push({
      test: t.test,
      goroutines: worst.goroutines,
      settleMs: worst.settleMs,
      ...(cpuPercent(worst) !== undefined ? { cpuPercent: cpuPercent(worst)! } : {}),
      stacks: worst.stacks ?? [],
      moreStacks: worst.moreStacks ?? 0,
    });
  }
  if (stillClosing.length > 0) {
    notes.push(`Not judged because a Close they called had not returned when the check ended (its goroutines may stay until it does): ${list(stillClosing)}.`);
  }
  if (offences.length === 0) {
    return {
      verdict: 'passed',
      summary: '',
      output: [...intro, '', `None of the ${judged.length - stillClosing.length} test(s) checked left anything of yours running.`, ...notes].join('\n'),
    };
  }
  const lines = [...intro, '', 'Left running after the test ended:'];
  for (const o of offences) {
    const cpu = o.cpuPercent !== undefined ? `, using ${o.cpuPercent}% of a core while nothing else ran` : '';
    lines.push(`  ${o.test}: ${o.goroutines} goroutine${o.goroutines === 1 ? '' : 's'} still there ${measured(o.settleMs)} after the test ended${cpu}`);
  }
  lines.push('', ...stackSection(offences, opts));
  if (notes.length > 0) lines.push('', ...notes);
  lines.push(
    '',
    'When Close returns, every goroutine your code started must be on its way out: close what they block on (listeners, connections) and signal the others, e.g. by closing a channel they select on. ' +
      'A goroutine left behind keeps running, and keeps using CPU, while the next test runs: `go test` runs all tests of a package in one process.',
  );
  const names = offences.map((o) => o.test);
  const maxCpu = Math.max(...offences.map((o) => o.cpuPercent ?? 0));
  return {
    verdict: 'failed',
    summary: `${list(names, 3)} left goroutines of yours running after the test ended${maxCpu > policy.maxCpuPercent ? `, burning up to ${maxCpu}% of a core` : ''}`,
    output: lines.join('\n'),
  };
}

/** The distinct stacks of all offending tests, each once, with how many goroutines had it and where. */
function stackSection(offences: Offence[], opts: { studentFiles: readonly string[]; displayName(treePath: string): string }): string[] {
  const byStack = new Map<string, { count: number; tests: string[] }>();
  let more = 0;
  for (const o of offences) {
    more += o.moreStacks;
    for (const s of o.stacks) {
      const e = byStack.get(s.stack) ?? { count: 0, tests: [] };
      e.count += s.count;
      e.tests.push(o.test);
      byStack.set(s.stack, e);
    }
  }
  const out = ['Their stacks (each distinct one once; what they were doing, where, and which line started them):'];
  for (const [stack, e] of [...byStack].sort((a, b) => b[1].count - a[1].count)) {
    out.push(`--- ${e.count} goroutine${e.count === 1 ? '' : 's'} like this, in ${list(e.tests, 4)} ---`, studentNames(stack, opts));
  }
  if (more > 0) out.push(`(${more} more distinct stack${more === 1 ? '' : 's'} not shown)`);
  return out;
}

function studentNames(stack: string, opts: { studentFiles: readonly string[]; displayName(treePath: string): string }): string {
  let s = stack;
  for (const f of opts.studentFiles) s = s.split(`\t${f}:`).join(`\t${opts.displayName(f)}:`);
  return s;
}

/** "lsp.(*server).Close" for "github.com/cmu440/lsp.(*server).Close". */
function shortFunc(f: string): string {
  return f.slice(f.lastIndexOf('/') + 1);
}

function score(r: LeakReport): number {
  return (cpuPercent(r) ?? 0) * 1000 + r.goroutines;
}

/** A configured duration: "1 s", "1.5 s", "250 ms". */
function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** A measured duration, to a tenth of a second. */
function measured(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function list(names: string[], max = 6): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
