/**
 * `dsgrade batch <submissions> --project <dir>`: grade a class, print progress, write per-submission
 * results and the class summary (CSV, HTML) to the output folder.
 */
import path from 'node:path';
import { runBatch } from '../batch/batch.js';
import { createBatchProgress } from '../batch/progress.js';
import { parseShard } from '../batch/shard.js';
import { EXIT } from './exit-codes.js';
import { loadManifest } from '../manifest/load.js';
import { checkOnly } from '../pipeline/planned-items.js';
import { checkOutputFolder } from './output-paths.js';
import { formatPoints } from '../report/format.js';
import { processIO, type CommandIO } from './io.js';

export interface BatchCommandOptions {
  input: string;
  project: string;
  out?: string;
  jobs?: number;
  testJobs?: number;
  force?: boolean;
  shard?: string;
  only?: string[];
  seed?: number;
  cacheDir?: string;
  io?: CommandIO;
}

export async function batchCommand(opts: BatchCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const loaded = await loadManifest(opts.project);
  for (const w of loaded.warnings) io.stderr.write(`dsgrade: warning: ${w}\n`);
  checkOnly(loaded.manifest, opts.only);
  const shard = opts.shard ? parseShard(opts.shard) : undefined;
  const out = opts.out ?? path.join('dsgrade-batch', loaded.manifest.name + (shard ? `-shard-${shard.index}-of-${shard.count}` : ''));
  await checkOutputFolder('--out', out);
  const jobs = opts.jobs ?? 1;
  const progress = createBatchProgress(io.stderr, { isTTY: Boolean(io.stderr.isTTY), columns: io.stderr.columns, jobs });
  let result;
  try {
    result = await runBatch({
      input: opts.input,
      project: loaded,
      projectArg: opts.project,
      out,
      jobs,
      testJobs: opts.testJobs,
      force: opts.force,
      shard,
      only: opts.only,
      seed: opts.seed,
      cacheDir: opts.cacheDir,
      onEvent: (e) => progress.onEvent(e),
    });
  } finally {
    progress.done();
  }
  const s = result.summary;
  const mean = s.rows.length ? s.rows.reduce((a, r) => a + r.score, 0) / s.rows.length : 0;
  io.stdout.write(
    `${s.rows.length} graded (${result.graded} now, ${result.resumed} resumed)${s.gradingErrors.length ? `, ${s.gradingErrors.length} not graded` : ''}; ` +
      `mean ${formatPoints(mean)}/${formatPoints(s.maxScore)}; seed ${result.seed}\n` +
      `summary: ${path.join(out, 'summary.html')}\n         ${path.join(out, 'summary.csv')}\n`,
  );
  return EXIT.OK;
}
