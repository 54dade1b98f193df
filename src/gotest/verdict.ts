/**
 * Deciding one go test attempt from what the harness observed — the exit status, the kill reason,
 * and the result record written by the injected TestMain (authenticated with the attempt's secret,
 * see record.ts) — never from what the test printed. Printed output is used only to *explain* a
 * failure to the student.
 */
import type { Verdict } from '../model.js';
import type { ProcessOutcome } from '../sandbox/process.js';
import { EXIT_NO_RECORD, EXIT_NO_SECRET, MISSING_SECRET_MESSAGE, NO_RECORD_MESSAGE, verifyRecord, type LeakReport } from './record.js';
import { formatBytes } from '../util/format-bytes.js';

export interface AttemptObservation {
  outcome: ProcessOutcome;
  /** Content of the result file, or undefined when the process never wrote it. */
  resultRecord: string | undefined;
  /** The attempt's secret key: a record counts only when its MAC verifies under it. */
  key: Buffer;
  timeoutSec: number;
}

export interface AttemptVerdict {
  verdict: Verdict;
  /** One line a student can act on. */
  reason: string;
  /** What the test left behind, when it passed and its suite checks for leaks. */
  leaks?: LeakReport;
  /**
   * A failure whose evidence no overload of the machine can produce (a race report, a Go runtime
   * fatal error, tampering, flooding): what it is, in a few words. Such a failure always counts
   * (scoring/overload.ts); a timeout or a failed check of the test may be the machine's fault.
   */
  loadIndependent?: string;
}

export const TAMPERED = "the test result record was tampered with (written by something other than the grader's harness): failed";

export function decideAttempt(obs: AttemptObservation): AttemptVerdict {
  const { outcome } = obs;
  if (outcome.spawnError) return { verdict: 'error', reason: `dsgrade could not start the test binary: ${outcome.spawnError}` };
  if (outcome.flooded) {
    return { verdict: 'failed', reason: `printed more than the output limit (${formatBytes(outcome.outputBytes)} so far) and was stopped: remove debug printing`, loadIndependent: 'output over the limit' };
  }
  if (outcome.timedOut) {
    return { verdict: 'failed', reason: `did not finish within ${obs.timeoutSec} s and was killed: look for a deadlock, a busy loop or a blocked channel operation` };
  }
  const checked = verifyRecord(obs.resultRecord, obs.key);
  const explained = explainOutput(outcome.output);
  const evidence = loadIndependentEvidence(outcome.output);
  const because = evidence ? { loadIndependent: evidence } : {};
  if (checked.kind === 'absent') return { verdict: 'failed', reason: diedEarly(outcome, explained), ...because };
  if (checked.kind === 'forged') return { verdict: 'failed', reason: TAMPERED, loadIndependent: 'a forged result record' };
  if (checked.kind === 'broken') return { verdict: 'error', reason: `dsgrade could not read its own result record (a harness bug, not your code): ${checked.reason}` };
  const { code, leaks } = checked.record;
  if (code === 0 && outcome.exitCode === 0) return { verdict: 'passed', reason: '', ...(leaks ? { leaks } : {}) };
  if (code === 0) {
    return { verdict: 'failed', reason: `the test passed but the process then ended badly (${exitDescription(outcome)})`, ...because };
  }
  return { verdict: 'failed', reason: explained ?? `the test failed (exit status ${code})`, ...because };
}

/**
 * What in the output proves a bug that no slowness can cause, if anything: a race report (the race
 * detector reports accesses that happened, however slowly), a Go runtime fatal error (out of
 * memory, concurrent map writes, all goroutines asleep, no thread could be started — none of them
 * a result of waiting). Timeouts and panics are not on the list: a test's own check can panic on
 * a reply that did not come in time.
 */
export function loadIndependentEvidence(output: string): string | undefined {
  if (output.includes(RACE_REPORT)) return 'a data race report';
  const fatal = RUNTIME_FATAL.exec(output);
  if (fatal) return `the Go runtime's "fatal error: ${fatal[1]!.trim()}"`;
  if (NO_THREAD.test(output)) return 'the Go runtime could not start a thread';
  return undefined;
}

function diedEarly(outcome: ProcessOutcome, explained: string | undefined): string {
  if (outcome.exitCode === EXIT_NO_SECRET && outcome.output.includes(MISSING_SECRET_MESSAGE)) {
    return "the grader's secret was gone before the test started: code that ran first (an init function or a package variable) read file descriptor 3, which belongs to the grader; the test was not run";
  }
  const noRecord = new RegExp(`^${NO_RECORD_MESSAGE}: (.*)$`, 'm').exec(outcome.output);
  if (outcome.exitCode === EXIT_NO_RECORD && noRecord) {
    return `the test finished but its result could not be recorded (${noRecord[1]}): does your code delete or replace files in its temporary folder (os.TempDir(), $HOME)? The result is kept there`;
  }
  if (/unexpected call to os\.Exit\(0\) during test/.test(outcome.output)) {
    return 'your code called os.Exit(0) while the test was running; the test did not finish';
  }
  if (outcome.exitCode === 0) {
    return 'the test process exited with status 0 before the test finished: does your code call os.Exit or log.Fatal (perhaps in init or a goroutine)?';
  }
  if (explained) return explained;
  return `the test process ended before the test finished (${exitDescription(outcome)})`;
}

function exitDescription(o: ProcessOutcome): string {
  if (o.signal) return o.signal === 'SIGKILL' ? 'killed by SIGKILL — out of memory, or a resource limit' : `killed by ${o.signal}`;
  return `exit status ${o.exitCode}`;
}

/** What the race detector prints before each report. */
const RACE_REPORT = 'WARNING: DATA RACE';
/** The Go runtime could not start a thread (the process and thread limit). */
const NO_THREAD = /failed to create new OS thread|fatal error: newosproc/;
/** A Go runtime fatal error: out of memory, concurrent map writes, all goroutines asleep, … */
const RUNTIME_FATAL = /fatal error: (.+)/;

/** The most useful single line of a failing test's output, if one can be found. */
export function explainOutput(output: string): string | undefined {
  const timeout = /panic: test timed out after (\S+)/.exec(output);
  if (timeout) return `timed out after ${timeout[1]}: the goroutine dump in the output shows where each goroutine was blocked`;
  if (output.includes(RACE_REPORT)) return 'data race detected: see the race report in the output (reproduce with go test -race)';
  if (NO_THREAD.test(output)) {
    return 'the process hit the limit on processes and threads (the Go runtime could not start a thread): does your code start processes, or goroutines blocked in system calls, without bound?';
  }
  const fatal = failureLine(output);
  const panicLine = /^panic: (.+)$/m.exec(output);
  if (panicLine && !/^test timed out/.test(panicLine[1]!)) {
    // The testing package marks a panic it re-raises: "[recovered]" (Go 1.26: "[recovered, repanicked]").
    const message = panicLine[1]!.replace(/ \[recovered[^\]]*\]$/, '');
    const at = panicLocation(output.slice(panicLine.index));
    return `panic: ${message}${at ? ` (at ${shortPath(at)})` : ''}`;
  }
  if (fatal) return `${fatal[1]}: ${fatal[2]}`;
  const runtimeFatal = RUNTIME_FATAL.exec(output);
  if (runtimeFatal) return `fatal error: ${runtimeFatal[1]}`;
  return undefined;
}

/**
 * The t.Fatal/t.Error line: with -test.v, t.Log lines look the same and come first, so take the
 * last `file.go:N: message` line before the first "--- FAIL" (t.Fatal ends the test).
 */
function failureLine(output: string): RegExpExecArray | undefined {
  // The testing package indents t.Errorf lines by four spaces. Output the student's processes print
  // without a newline (or a fork bomb's children sharing stdout) can glue text in front of them, so
  // a failure line is found after any prefix that ends in that indentation, not only at a line start.
  const failAt = output.search(/--- FAIL: /);
  const lines = [...output.matchAll(/^(?:.*?\s{4}|\s+)(\S+\.go:\d+): (.+)$/gm)];
  const before = failAt < 0 ? lines : lines.filter((m) => m.index < failAt);
  return (before.length > 0 ? before : lines).at(-1);
}

/**
 * The first stack frame outside the Go installation: the student's line, not testing.tRunner's or
 * runtime/panic.go's. GOROOT is recognised from the runtime frames every panic trace has.
 */
function panicLocation(trace: string): string | undefined {
  const frames = [...trace.matchAll(/^\s+(\/\S+\.go:\d+)/gm)].map((m) => m[1]!);
  const goroot = frames.map((f) => /^(.*)\/src\/runtime\/[^/]+\.go:\d+$/.exec(f)?.[1]).find((r) => r !== undefined);
  return frames.find((f) => goroot === undefined || !f.startsWith(`${goroot}/src/`)) ?? frames[0];
}

function shortPath(p: string): string {
  const parts = p.split('/');
  return parts.slice(-2).join('/');
}

