/**
 * The secret of one test attempt and the record it authenticates (harness/gotest/attempt).
 *
 * Every attempt gets a fresh random key — never the run's results.json nonce, never in the
 * environment or on disk. The process reads it from fd 3 (a socket it inherits, see
 * src/sandbox/process.ts and dsgrade-exec's `-fd3`), and its injected TestMain writes the outcome
 * as one JSON line plus that line's HMAC-SHA256 under the key. Only a record whose MAC verifies
 * counts; anything else in the result file was written by something other than the harness.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';

/** The variable naming the secret's descriptor (fdguard.SecretFDVariable). */
export const SECRET_FD_VARIABLE = 'DSGRADE_SECRET_FD';
/** Always 3: 0-2 are reachable through os.Stdin/Stdout/Stderr by any code. */
export const SECRET_FD = 3;
/** Exit status of a process whose secret was gone before the tests started (attempt.ExitNoSecret). */
export const EXIT_NO_SECRET = 3;
/** Printed by the harness when the secret was gone (attempt.MissingSecretMessage). */
export const MISSING_SECRET_MESSAGE = "dsgrade-harness: the grader's secret was not on its file descriptor when the tests were to start";
/** Exit status and message of a harness that could not write its record (attempt.ExitNoRecord, attempt.NoRecordMessage). */
export const EXIT_NO_RECORD = 4;
export const NO_RECORD_MESSAGE = 'dsgrade-harness: could not write the result record';

export interface AttemptSecret {
  key: Buffer;
  resultFile: string;
  /** What the process reads on fd 3: one line, then end of file. */
  payload: Buffer;
}

/** The leak check of one attempt (off when absent); it travels with the key, out of the submission's reach. */
export interface LeakCheckSettings {
  settleMs: number;
  cpuWindowMs: number;
}

/** A fresh key and the line that hands it over: `dsgrade-secret 1 <key hex> <settle ms> <cpu window ms> <result file>`. */
export function newAttemptSecret(resultFile: string, leaks?: LeakCheckSettings): AttemptSecret {
  if (resultFile.includes('\n')) throw new Error(`result file path contains a newline: ${JSON.stringify(resultFile)}`);
  const key = randomBytes(32);
  const ms = (n: number | undefined): number => Math.max(0, Math.round(n ?? 0));
  return { key, resultFile, payload: Buffer.from(`dsgrade-secret 1 ${key.toString('hex')} ${ms(leaks?.settleMs)} ${ms(leaks?.cpuWindowMs)} ${resultFile}\n`) };
}

/** One distinct stack of goroutines a test left behind (leakcheck.Stack). */
export interface LeakStack {
  count: number;
  stack: string;
}

/** What a passing test left behind (leakcheck.Report). */
export interface LeakReport {
  goroutines: number;
  settleMs: number;
  cpuMs?: number;
  windowMs?: number;
  stacks?: LeakStack[];
  moreStacks?: number;
  /** The submission's Close methods a test goroutine was still inside (a Close that had not returned). */
  closing?: string[];
}

export interface AttemptRecord {
  code: number;
  leaks?: LeakReport;
}

export type RecordCheck =
  | { kind: 'absent' }
  /** Something other than the harness wrote the file (or changed what it wrote). */
  | { kind: 'forged' }
  /** The MAC verifies but the content does not parse: a harness bug, not the student's doing. */
  | { kind: 'broken'; reason: string }
  | { kind: 'valid'; record: AttemptRecord };

const SEALED = /^([^\n]*)\n([0-9a-f]{64})\n$/;

/** Checks the result file's content against the attempt's key. */
export function verifyRecord(text: string | undefined, key: Buffer): RecordCheck {
  if (text === undefined || text.length === 0) return { kind: 'absent' };
  const m = SEALED.exec(text);
  if (!m) return { kind: 'forged' };
  const expected = createHmac('sha256', key).update(m[1]!, 'utf8').digest();
  const got = Buffer.from(m[2]!, 'hex');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { kind: 'forged' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(m[1]!);
  } catch (err) {
    return { kind: 'broken', reason: `the record is not JSON: ${(err as Error).message}` };
  }
  const record = parsed as { v?: unknown; code?: unknown; leaks?: unknown };
  if (record.v !== 1 || !Number.isInteger(record.code)) return { kind: 'broken', reason: `unexpected record ${m[1]!.slice(0, 200)}` };
  const leaks = record.leaks === undefined ? undefined : leakReport(record.leaks);
  if (leaks === null) return { kind: 'broken', reason: `unexpected leak report ${JSON.stringify(record.leaks).slice(0, 200)}` };
  return { kind: 'valid', record: { code: record.code as number, ...(leaks ? { leaks } : {}) } };
}

function leakReport(v: unknown): LeakReport | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  const count = (x: unknown): boolean => x === undefined || (Number.isInteger(x) && (x as number) >= 0);
  if (!Number.isInteger(r.goroutines) || !count(r.settleMs) || !count(r.cpuMs) || !count(r.windowMs) || !count(r.moreStacks)) return null;
  const stacks = r.stacks ?? [];
  if (!Array.isArray(stacks) || !stacks.every((s: { count?: unknown; stack?: unknown }) => Number.isInteger(s?.count) && typeof s?.stack === 'string')) return null;
  const closing = r.closing ?? [];
  if (!Array.isArray(closing) || !closing.every((c) => typeof c === 'string')) return null;
  return {
    goroutines: r.goroutines as number,
    settleMs: (r.settleMs as number | undefined) ?? 0,
    ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs as number } : {}),
    ...(r.windowMs !== undefined ? { windowMs: r.windowMs as number } : {}),
    ...(stacks.length > 0 ? { stacks: stacks as LeakStack[] } : {}),
    ...(r.moreStacks ? { moreStacks: r.moreStacks as number } : {}),
    ...(closing.length > 0 ? { closing: closing as string[] } : {}),
  };
}

/** A sealed record is two short lines; anything much larger is not one. */
const MAX_RECORD_BYTES = 256 * 1024;

/**
 * Reads the result file without trusting it: the folder belongs to the attempt's uid, which may
 * have put a link, a FIFO (an open that would block dsgrade forever) or a huge file there.
 * Anything but a small regular file reads as "not a record" (a forgery).
 */
export async function readResultFile(file: string): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? undefined : 'not a regular file';
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return 'not a regular file';
    if (st.size > MAX_RECORD_BYTES) return 'too large';
    return (await handle.readFile({ encoding: 'utf8' })).slice(0, MAX_RECORD_BYTES);
  } finally {
    await handle.close();
  }
}
