/**
 * `npm run bench stability`: a project's reference graded in full N times in a row, each run with
 * its own seed (seed, seed+1, …), at dsgrade's default concurrency. Reports per run the score, the
 * wall time and the serial time (the sum of every test's own duration), and across runs how many
 * test verdicts changed — the number the "a reference passes every time" claim rests on.
 *
 * BENCH_STABILITY_PROJECT (default projects/p1-lsp), BENCH_STABILITY_REFERENCE (a reference's
 * name; default the primary), BENCH_STABILITY_RUNS (default 20), BENCH_STABILITY_SEED (default
 * 20261126). Progress goes to stderr, one line per run.
 */
import { findFlaky } from '../src/flaky/flaky.js';
import { loadManifest } from '../src/manifest/load.js';

export async function benchStability(): Promise<Record<string, unknown>> {
  const projectDir = process.env.BENCH_STABILITY_PROJECT ?? 'projects/p1-lsp';
  const runs = Number(process.env.BENCH_STABILITY_RUNS ?? 20);
  const seed = Number(process.env.BENCH_STABILITY_SEED ?? 20261126);
  const project = await loadManifest(projectDir);
  const wanted = process.env.BENCH_STABILITY_REFERENCE;
  const ref = wanted === undefined ? project.manifest.references[0] : project.manifest.references.find((r) => r.name === wanted);
  if (!ref) {
    const known = project.manifest.references.map((r) => r.name).join(', ') || 'none';
    throw new Error(`${projectDir}/dsgrade.json names no reference ${wanted === undefined ? 'solution' : `"${wanted}"`} (references: ${known})`);
  }
  const reference = ref.path;

  // findFlaky grades run i with seed+i (retries off) and counts each test's verdicts; the per-run
  // times come from its reports.
  const perRun: { seed: number; score: number; max: number; wallSec: number; serialSec: number; notPassed: string[] }[] = [];
  const result = await findFlaky({
    project,
    submission: reference,
    runs,
    seed,
    onRun: ({ index, seed: runSeed, report }) => {
      const run = {
        seed: runSeed,
        score: report.score,
        max: report.maxScore,
        wallSec: round(report.durationMs / 1000),
        serialSec: round(report.tests.reduce((sum, t) => sum + t.durationMs, 0) / 1000),
        notPassed: report.tests.filter((t) => t.verdict !== 'passed').map((t) => `${t.id}: ${t.verdict} — ${t.summary}`),
      };
      perRun.push(run);
      console.error(`stability: run ${index + 1}/${runs} seed ${runSeed}: ${run.score}/${run.max} in ${run.wallSec} s wall, ${run.serialSec} s serial${run.notPassed.length ? ` — ${run.notPassed.join('; ')}` : ''}`);
    },
  });
  // A verdict changed when a test got more than one kind of verdict across the runs.
  const changed = result.tests.filter((t) => [t.passed, t.failed, t.errors].filter((n) => n > 0).length > 1).map((t) => t.id);
  const walls = perRun.map((r) => r.wallSec);
  const serials = perRun.map((r) => r.serialSec);
  return {
    bench: 'stability',
    project: projectDir,
    reference: ref.name,
    runs,
    firstSeed: seed,
    fullMarksRuns: perRun.filter((r) => r.score === r.max).length,
    testsWithChangedVerdict: changed,
    wallSec: { min: Math.min(...walls), median: median(walls), max: Math.max(...walls) },
    serialSec: { min: Math.min(...serials), median: median(serials), max: Math.max(...serials) },
    perRun,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : round((s[mid - 1]! + s[mid]!) / 2);
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
