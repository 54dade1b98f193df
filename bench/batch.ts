/**
 * `npm run bench batch`: a class of P0 submissions graded by `dsgrade batch` (one process, default
 * concurrency) against the same submissions graded one at a time by `gradeSubmission` — the sum of
 * single grades — and cold versus warm build cost per submission.
 *
 * The class: BENCH_BATCH_N (default 30) copies of the reference and the mutants, mixed round-robin.
 * To keep the run in minutes on a shared 2-core machine each submission is graded with a subset of
 * the tests (BENCH_BATCH_ONLY, default below: the build, the static checks, four part A tests and
 * one scenario, chosen so each mutant fails at least one); set BENCH_BATCH_ONLY=all for full grades.
 *
 * Cold: a fresh, empty build cache (the Go build cache and dsgrade's harness tools: faultnet,
 * dsgrade-vet), so the standard library, the staff code and the harness compile. Warm: the same
 * submission again with that cache.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBatch } from '../src/batch/batch.js';
import { loadManifest } from '../src/manifest/load.js';
import { gradeSubmission } from '../src/pipeline/grade.js';
import { mutantSubmission } from '../src/regress/mutant-submission.js';

const DEFAULT_ONLY = 'build,check/*,partA/TestBasic1,partA/TestUpdate1,partA/TestCount1,partA/TestClose1,scenarios/close-stops-listening';

export async function benchBatch(): Promise<Record<string, unknown>> {
  const n = Number(process.env.BENCH_BATCH_N ?? 30);
  const onlyText = process.env.BENCH_BATCH_ONLY ?? DEFAULT_ONLY;
  const only = onlyText === 'all' ? undefined : onlyText.split(',');
  const project = await loadManifest('projects/p0-kvserver');
  const m = project.manifest;
  const mutants = await Promise.all(m.mutants.map(async (x) => ({ name: x.name, sub: await mutantSubmission(m, x) })));
  const sources = [...m.references.map((r) => ({ name: r.name, dir: r.path })), ...mutants.map((x) => ({ name: x.name, dir: x.sub.dir }))];
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-bench-batch-'));
  await fs.chmod(tmp, 0o755);
  const seed = 4242;
  try {
    const handins = path.join(tmp, 'handins');
    await fs.mkdir(handins);
    const subs: string[] = [];
    for (let i = 0; i < n; i++) {
      const src = sources[i % sources.length]!;
      const dest = path.join(handins, `s${String(i + 1).padStart(2, '0')}-${src.name}`);
      await fs.cp(src.dir, dest, { recursive: true });
      subs.push(dest);
    }

    // Cold versus warm: one submission, a fresh cache, twice.
    // The sandbox (src/sandbox/launcher.ts) keeps its own Go build cache: point it there too.
    const coldCache = path.join(tmp, 'cold-cache');
    const savedSandboxCache = process.env.DSGRADE_SANDBOX_CACHE_DIR;
    process.env.DSGRADE_SANDBOX_CACHE_DIR = path.join(tmp, 'cold-sandbox-cache');
    const cold = await gradeSubmission({ project, submission: subs[0]!, only, seed, cacheDir: coldCache });
    const warm = await gradeSubmission({ project, submission: subs[0]!, only, seed, cacheDir: coldCache });
    if (savedSandboxCache === undefined) delete process.env.DSGRADE_SANDBOX_CACHE_DIR;
    else process.env.DSGRADE_SANDBOX_CACHE_DIR = savedSandboxCache;
    const buildMs = (r: typeof cold) => r.tests.find((t) => t.id === 'build')?.durationMs ?? 0;

    // The sum of single grades (default cache, already warm from earlier runs or warmed here).
    await gradeSubmission({ project, submission: subs[0]!, only, seed });
    let sumMs = 0;
    const singleScores: number[] = [];
    for (const s of subs) {
      const t0 = performance.now();
      const r = await gradeSubmission({ project, submission: s, only, seed });
      sumMs += performance.now() - t0;
      singleScores.push(r.score);
    }

    // The batch.
    const t0 = performance.now();
    const result = await runBatch({ input: handins, project, projectArg: 'projects/p0-kvserver', out: path.join(tmp, 'out'), only, seed });
    const batchMs = performance.now() - t0;
    const batchScores = result.summary.rows.map((r) => r.score);
    const mismatches = batchScores.filter((s, i) => s !== singleScores[i]).length;

    return {
      name: 'batch',
      submissions: n,
      only: onlyText,
      tests: cold.tests.length,
      batchWallMs: Math.round(batchMs),
      sumOfSingleGradesMs: Math.round(sumMs),
      ratio: Number((batchMs / sumMs).toFixed(3)),
      perSubmissionMs: Math.round(batchMs / n),
      scoreMismatchesBatchVsSingle: mismatches,
      coldGradeMs: cold.durationMs,
      warmGradeMs: warm.durationMs,
      coldBuildMs: buildMs(cold),
      warmBuildMs: buildMs(warm),
      cores: os.availableParallelism(),
    };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
    for (const x of mutants) await x.sub.dispose();
  }
}
