/**
 * Writing the run report of a failed scenario (src/report/run-report.ts renders the run's record)
 * beside its artifacts, and into the results folder when there is one, and the line that tells
 * the student where it is; the same for a failed go test's rpc trace (publishRpcRunReport).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { renderRunReport } from '../report/run-report.js';
import type { RpcRunRecord } from '../gotest/rpc-run-record.js';
import type { RunRecord } from '../scenario/run-record.js';
import type { RunContext } from './context.js';

export interface PublishedReport {
  /** One line for the test's output. */
  line: string;
  /** Relative to the results folder (or absolute when only artifacts are kept); absent when nothing is kept. */
  link?: string;
}

/** `file`: where the page goes beside the artifacts (report.html in the scenario's folder). */
export async function publishRunReport(ctx: Pick<RunContext, 'resultsDir' | 'artifactsDir'>, record: RunRecord, file: string, suite: string, scenario: string): Promise<PublishedReport | undefined> {
  try {
    await fs.writeFile(file, renderRunReport(record).html);
  } catch (err) {
    return { line: `(dsgrade could not write the run report: ${(err as Error).message})` };
  }
  const what = 'Run report (space-time diagram of the messages, logs on one timeline, fault schedule; open it in a browser)';
  if (ctx.resultsDir) {
    const rel = path.posix.join('run-reports', suite, `${scenario}.html`);
    const dest = path.join(ctx.resultsDir, ...rel.split('/'));
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.copyFile(file, dest);
    return { line: `${what}: ${rel} (in the results folder)`, link: rel };
  }
  if (ctx.artifactsDir) return { line: `${what}: ${file}`, link: file };
  return { line: 'A run report with a space-time diagram of the messages is written when you rerun with --artifacts (or --out).' };
}

/**
 * A failed go test's run report: into the results folder (run-reports/<suite>/<test>.html) and,
 * when artifacts are kept, to <artifacts>/<suite>/<test>/report.html. Undefined when neither is
 * asked for: nobody could open the page (a grading host shows text only), so nothing mentions it.
 */
export async function publishRpcRunReport(ctx: Pick<RunContext, 'resultsDir' | 'artifactsDir'>, record: RpcRunRecord, suite: string, test: string): Promise<PublishedReport | undefined> {
  if (!ctx.resultsDir && !ctx.artifactsDir) return undefined;
  const what = 'Run report (space-time diagram of the RPCs, terms and leaders of every peer; open it in a browser)';
  try {
    const html = renderRunReport(record).html;
    let kept: string | undefined;
    if (ctx.artifactsDir) {
      kept = path.join(ctx.artifactsDir, suite, test, 'report.html');
      await fs.mkdir(path.dirname(kept), { recursive: true });
      await fs.writeFile(kept, html);
      // The record for tools, as a scenario's artifacts keep theirs (not the raw trace: that is the test's own file).
      await fs.writeFile(path.join(path.dirname(kept), 'run-record.json'), `${JSON.stringify(record)}\n`);
    }
    if (ctx.resultsDir) {
      const rel = path.posix.join('run-reports', suite, `${test}.html`);
      const dest = path.join(ctx.resultsDir, ...rel.split('/'));
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.writeFile(dest, html);
      return { line: `${what}: ${rel} (in the results folder)`, link: rel };
    }
    return { line: `${what}: ${kept!}`, link: kept! };
  } catch (err) {
    return { line: `(dsgrade could not write the run report: ${(err as Error).message})` };
  }
}
