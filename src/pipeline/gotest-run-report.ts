/**
 * What a failed go test's artifacts folder (DSGRADE_ARTIFACTS, one per attempt) gives the student:
 * when it holds the staff rpc package's trace (P2), a few lines for the test's output — every host
 * shows them, Gradescope nothing else — and the run report page with the space-time diagram when
 * results or artifacts are kept. Display only: the verdict is decided before and without it
 * (docs/security.md). Never throws: a trace that cannot be read or used gives nothing, or a line.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_TRACE_LIMITS, readRpcTrace, RPC_TRACE_FILE } from '../gotest/rpc-trace.js';
import { rpcRecordSummary, toRpcRunRecord } from '../gotest/rpc-run-record.js';
import type { TestResult } from '../model.js';
import type { RunContext } from './context.js';
import { publishRpcRunReport } from './run-report-link.js';

export interface TraceReportInput {
  suite: string;
  test: string;
  result: Pick<TestResult, 'id' | 'verdict' | 'rerun'>;
  /** Why the reported attempt failed. */
  reason: string;
  /** The seed the attempt was given, and the variable that gives it to the network (RPC_SEED). */
  seed: string;
  seedEnv: string;
}

export interface TraceReport {
  /** For the test's output, before the test's own output. */
  lines: string[];
  /** The page, relative to the results folder or absolute (TestResult.runReport). */
  link?: string;
}

export async function traceReport(ctx: Pick<RunContext, 'resultsDir' | 'artifactsDir'>, input: TraceReportInput, artifactsDir: string): Promise<TraceReport | undefined> {
  try {
    const trace = await readRpcTrace(artifactsDir, DEFAULT_TRACE_LIMITS, { keepText: ctx.artifactsDir !== undefined });
    if (!trace || trace.records.length === 0) return undefined;
    // Kept artifacts get a copy of what was read (the attempt's own folder goes with the work folder).
    if (ctx.artifactsDir && trace.text !== undefined) {
      const dest = path.join(ctx.artifactsDir, input.suite, input.test, RPC_TRACE_FILE);
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.writeFile(dest, trace.text);
    }
    const rerun = `${input.result.rerun ?? ''}\n(rpc seed of this run: ${input.seedEnv}=${input.seed} — with it, go test replays the same network decisions)`.trim();
    const record = toRpcRunRecord(trace, { testId: input.result.id, seed: input.seed, rerun, verdict: input.result.verdict, reason: input.reason });
    const lines = rpcRecordSummary(record);
    lines.push('  (The seed replays which calls are lost or delayed, not the order goroutines run in: a failure that depends on timing may take several runs to come back.)');
    const published = await publishRpcRunReport(ctx, record, input.suite, input.test);
    if (published) lines.push(published.line);
    return { lines, ...(published?.link ? { link: published.link } : {}) };
  } catch (err) {
    return { lines: [`(dsgrade could not use the test's rpc trace: ${(err as Error).message})`] };
  }
}
