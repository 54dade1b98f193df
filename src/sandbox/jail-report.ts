/**
 * The supervising jail's report (dsgrade-jail -report-fd, harness/cmd/dsgrade-jail): on its own
 * descriptor, never mixed with the program's output, one JSON line with the program's pid (also
 * its process group, where signals go) as soon as it started, and one when the program and
 * everything it left behind are gone: the process tree's CPU time and peak RSS and the program's
 * exit status. The program never holds this descriptor, so it cannot write either line.
 */
import os from 'node:os';
import type { Readable } from 'node:stream';
import { usageFromReport, type ResourceUsage } from '../core/resource-usage.js';
import type { NodeExit } from './specs.js';

/** Where the local backend puts the report pipe: after stdio and the attempt's secret on fd 3. */
export const REPORT_FD = 4;

export interface JailReport {
  /** The program's pid (= its process group); undefined when the jail failed before starting it. */
  readonly pid: Promise<number | undefined>;
  /** The program's exit and its tree's usage; undefined when the jail died before reporting. */
  readonly final: Promise<{ exit: NodeExit; usage?: ResourceUsage } | undefined>;
}

const MAX_REPORT_BYTES = 64 * 1024;

export function readJailReport(stream: Readable): JailReport {
  let text = '';
  let resolvePid!: (pid: number | undefined) => void;
  let resolveFinal!: (r: { exit: NodeExit; usage?: ResourceUsage } | undefined) => void;
  const pid = new Promise<number | undefined>((r) => (resolvePid = r));
  const final = new Promise<{ exit: NodeExit; usage?: ResourceUsage } | undefined>((r) => (resolveFinal = r));
  const lines = (): unknown[] =>
    text
      .split('\n')
      .slice(0, -1)
      .map((l) => {
        try {
          return JSON.parse(l) as unknown;
        } catch {
          return undefined;
        }
      });
  stream.on('data', (chunk: Buffer) => {
    if (text.length < MAX_REPORT_BYTES) text += chunk.toString('utf8');
    const [head] = lines();
    const p = (head as { pid?: unknown } | undefined)?.pid;
    if (typeof p === 'number' && Number.isInteger(p) && p > 0) resolvePid(p);
  });
  const end = (): void => {
    const [head, last] = lines();
    resolvePid(typeof (head as { pid?: unknown } | undefined)?.pid === 'number' ? (head as { pid: number }).pid : undefined);
    resolveFinal(parseFinal(last));
  };
  stream.once('end', end);
  stream.once('close', end);
  stream.once('error', end);
  return { pid, final };
}

function parseFinal(v: unknown): { exit: NodeExit; usage?: ResourceUsage } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const e = (v as { exit?: { code?: unknown; signal?: unknown } }).exit;
  if (!e) return undefined;
  let exit: NodeExit;
  if (typeof e.signal === 'number') exit = { code: null, signal: signalName(e.signal) ?? `signal ${e.signal}` };
  else if (typeof e.code === 'number') exit = { code: e.code, signal: null };
  else return undefined;
  const usage = usageFromReport(v);
  return usage ? { exit, usage } : { exit };
}

function signalName(n: number): string | undefined {
  return Object.entries(os.constants.signals).find(([, v]) => v === n)?.[0];
}

/** The supervising jail's own exit status as the program's (128+n is signal n), for when its report is not read yet. */
export function programStatus(code: number | null, signal: string | null): NodeExit {
  if (code !== null && code > 128 && code <= 128 + 64) {
    const name = signalName(code - 128);
    if (name) return { code: null, signal: name };
  }
  return { code, signal };
}
