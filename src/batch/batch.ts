/**
 * Grading a whole class: discover the submissions, keep this shard's slice, skip the ones already
 * graded (unless forced), grade the rest with bounded concurrency, write each one's results as soon
 * as it is graded, then the class summary. A submission dsgrade cannot grade is recorded in its
 * folder (error.txt) and never stops the others.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { DsgradeError, isDsgradeError } from '../errors.js';
import type { LoadedManifest } from '../manifest/load.js';
import type { GradeReport } from '../model.js';
import { gradeSubmission, randomSeed } from '../pipeline/grade.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { resultsLimits, writeResults } from '../report/results-writer.js';
import { DSGRADE_VERSION } from '../version.js';
import { discoverSubmissions, type BatchSubmission } from './discover.js';
import { outPaths, readAllErrors, readStoredReport, type StoredReport } from './out-dir.js';
import { inShard, type Shard } from './shard.js';
import { renderCsv, summarize, type ClassSummary } from './summary.js';
import { renderSummaryHtml } from './summary-html.js';

export interface BatchOptions {
  /** Folder of submissions (folders or zips), or a Gradescope export (folder or .zip). */
  input: string;
  project: LoadedManifest;
  /** The project folder as the user typed it (for rerun commands). */
  projectArg: string;
  out: string;
  /** Submissions graded at once (default 1: the tests inside one already use the cores). */
  jobs?: number;
  /** Tests run at once inside one submission (default: half the cores). */
  testJobs?: number;
  force?: boolean;
  shard?: Shard;
  only?: string[];
  /** One seed for every submission (default: random, printed and kept in batch.json). */
  seed?: number;
  cacheDir?: string;
  onEvent?: (e: BatchEvent) => void;
  signal?: AbortSignal;
}

export type BatchEvent =
  | { kind: 'planned'; total: number; toGrade: number; resumed: number; otherShards: number; layout: string; warnings: string[]; seed: number }
  | { kind: 'started'; id: string }
  | { kind: 'graded'; id: string; report: GradeReport }
  | { kind: 'failed'; id: string; message: string };

export interface BatchResult {
  summary: ClassSummary;
  graded: number;
  resumed: number;
  failed: number;
  seed: number;
}

export interface BatchManifest {
  dsgrade: string;
  project: string;
  input: string;
  layout: string;
  shard: Shard | null;
  seed: number;
  only: string[];
  startedAt: string;
  finishedAt?: string;
  /** Ids of the submissions of this batch (this shard's slice). */
  submissions: string[];
}

export async function runBatch(opts: BatchOptions): Promise<BatchResult> {
  const out = path.resolve(opts.out);
  const p = outPaths(out);
  await fs.mkdir(p.submissions, { recursive: true });
  const found = await discoverSubmissions(opts.input, { extractDir: path.join(out, '.export'), exclude: [out] });
  const mine = found.submissions.filter((s) => inShard(s.id, opts.shard));
  const previous = await readBatchManifest(p.batch);
  const seed = opts.seed ?? randomSeed();
  const warnings = [...found.warnings];
  if (previous && !opts.force) {
    const before = JSON.stringify([...previous.only].sort());
    if (previous.project !== opts.project.manifest.name) {
      throw new DsgradeError('USAGE', `output folder holds another project's results: ${out} (${previous.project}, not ${opts.project.manifest.name})`, { fix: 'use another --out, or --force to regrade into it' });
    }
    if (before !== JSON.stringify([...(opts.only ?? [])].sort())) warnings.push(`results kept from the previous run were graded with --only ${previous.only.join(',') || '(all tests)'}; --force regrades them with this selection`);
    else if (opts.seed !== undefined && previous.seed !== opts.seed) warnings.push(`results kept from the previous run were graded with seed ${previous.seed}; --force regrades them with seed ${opts.seed}`);
  }
  const todo: BatchSubmission[] = [];
  let resumed = 0;
  for (const s of mine) {
    if (!opts.force && (await readStoredReport(p.report(s.id)))) resumed++;
    else todo.push(s);
  }
  const manifest: BatchManifest = {
    dsgrade: DSGRADE_VERSION,
    project: opts.project.manifest.name,
    input: path.resolve(opts.input),
    layout: found.layout,
    shard: opts.shard ?? null,
    seed,
    only: opts.only ?? [],
    startedAt: new Date().toISOString(),
    submissions: mine.map((s) => s.id),
  };
  await writeFileAtomic(p.batch, `${JSON.stringify(manifest, null, 2)}\n`);
  opts.onEvent?.({ kind: 'planned', total: mine.length, toGrade: todo.length, resumed, otherShards: found.submissions.length - mine.length, layout: found.layout, warnings, seed });

  const limit = pLimit(Math.max(1, opts.jobs ?? 1));
  let failed = 0;
  let graded = 0;
  await Promise.all(
    todo.map((s) =>
      limit(async () => {
        if (opts.signal?.aborted) return;
        opts.onEvent?.({ kind: 'started', id: s.id });
        try {
          const report = await gradeOne(s, seed, opts, p);
          graded++;
          opts.onEvent?.({ kind: 'graded', id: s.id, report });
        } catch (err) {
          if (isDsgradeError(err) && (err.code === 'INTERRUPTED' || err.code === 'GO_NOT_FOUND')) throw err;
          failed++;
          const message = isDsgradeError(err) ? err.describe() : `internal error — this is a bug in dsgrade: ${(err as Error)?.stack ?? String(err)}`;
          await fs.mkdir(p.submission(s.id), { recursive: true });
          await writeFileAtomic(p.error(s.id), `${message}\n`);
          opts.onEvent?.({ kind: 'failed', id: s.id, message });
        }
      }),
    ),
  );
  if (opts.signal?.aborted) throw new DsgradeError('INTERRUPTED', 'batch stopped: the run was aborted', { fix: 'run the same command again: graded submissions are kept and skipped' });

  const ids = new Set(mine.map((s) => s.id));
  const reports: StoredReport[] = [];
  for (const s of mine) {
    const r = await readStoredReport(p.report(s.id));
    if (r) reports.push(r);
  }
  const errors = (await readAllErrors(out)).filter((e) => ids.has(e.id));
  const summary = await writeSummary(out, reports, errors);
  await writeFileAtomic(p.batch, `${JSON.stringify({ ...manifest, finishedAt: new Date().toISOString() }, null, 2)}\n`);
  return { summary, graded, resumed, failed, seed };
}

async function readBatchManifest(file: string): Promise<BatchManifest | undefined> {
  try {
    const m = JSON.parse(await fs.readFile(file, 'utf8')) as BatchManifest;
    return m && typeof m.project === 'string' && Array.isArray(m.only) ? m : undefined;
  } catch {
    return undefined;
  }
}

async function gradeOne(s: BatchSubmission, seed: number, opts: BatchOptions, p: ReturnType<typeof outPaths>): Promise<GradeReport> {
  const dir = p.submission(s.id);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  const rerunBase = `dsgrade grade ${s.path} --project ${opts.projectArg}`;
  const report = await gradeSubmission({
    project: opts.project,
    submission: s.path,
    jobs: opts.testJobs,
    // Submissions graded side by side share the machine: each plans with its part of it.
    share: 1 / Math.max(1, opts.jobs ?? 1),
    seed,
    only: opts.only,
    cacheDir: opts.cacheDir,
    rerunBase,
    resultsDir: dir,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const limits = resultsLimits(opts.project.manifest, rerunBase, report.seed);
  await writeResults('gradescope', p.results(s.id), report, limits);
  await writeResults('junit', p.junit(s.id), report, limits);
  const stored: StoredReport = { id: s.id, submitters: s.submitters, report };
  await writeFileAtomic(p.report(s.id), `${JSON.stringify(stored)}\n`);
  return report;
}

/** Writes summary.csv, summary.html and summary.json for these reports. */
export async function writeSummary(out: string, reports: StoredReport[], errors: { id: string; message: string }[]): Promise<ClassSummary> {
  const p = outPaths(out);
  const summary = summarize(reports, errors);
  await writeFileAtomic(p.csv, renderCsv(summary));
  await writeFileAtomic(p.html, renderSummaryHtml(summary, { generatedAt: new Date().toISOString() }));
  await writeFileAtomic(p.json, `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
