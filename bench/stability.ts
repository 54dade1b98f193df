/**
 * `npm run bench stability`: a project's reference graded in full N times in a row, each run with
 * its own seed (seed, seed+1, …), at dsgrade's default (CPU-aware) concurrency. Reports per run the
 * score, the wall time, the serial time (the sum of every test's own duration) and the runs the
 * overload rule voided, and across runs how many test verdicts changed — the number the "a
 * reference passes every time" claim rests on.
 *
 * A test with several runs (manifest `runs`) counts every run: a run that failed inside a test
 * whose pass rule still passed it is listed (testsWithFailedRuns) and fails the bench, because on a
 * reference it is a staff bug (src/regress/staff-bugs.ts).
 *
 * BENCH_STABILITY_PROJECT (default projects/p1-lsp; `stability-p2` is this bench on
 * projects/p2-raft), BENCH_STABILITY_REFERENCE (a reference's
 * name; default the primary; "all": every reference, the runs shared out among them and each
 * reference's verdicts compared across its own runs),
 * BENCH_STABILITY_RUNS (default 20), BENCH_STABILITY_SEED (default 20261126). Progress goes to
 * stderr, one line per run, with the machine's load average.
 */
import os from 'node:os';
import { findFlaky } from '../src/flaky/flaky.js';
import { loadManifest } from '../src/manifest/load.js';

export async function benchStability(defaultProject = 'projects/p1-lsp'): Promise<Record<string, unknown>> {
  const projectDir = process.env.BENCH_STABILITY_PROJECT ?? defaultProject;
  const runs = Number(process.env.BENCH_STABILITY_RUNS ?? 20);
  const seed = Number(process.env.BENCH_STABILITY_SEED ?? 20261126);
  const project = await loadManifest(projectDir);
  const wanted = process.env.BENCH_STABILITY_REFERENCE;
  const refs = wanted === 'all' ? project.manifest.references : [wanted === undefined ? project.manifest.references[0] : project.manifest.references.find((r) => r.name === wanted)];
  if (refs.length === 0 || refs.some((r) => r === undefined)) {
    const known = project.manifest.references.map((r) => r.name).join(', ') || 'none';
    throw new Error(`${projectDir}/dsgrade.json names no reference ${wanted === undefined ? 'solution' : `"${wanted}"`} (references: ${known})`);
  }
  const changed = new Set<string>();
  const failedRuns = new Set<string>();
  const perRun: Run[] = [];
  let fullMarksRuns = 0;
  // Each reference's runs are counted on their own: a verdict changes within one reference's grades.
  for (const [k, ref] of refs.entries()) {
    const mine = Array.from({ length: runs }, (_, i) => i).filter((i) => i % refs.length === k);
    if (mine.length === 0) continue;
    const r = await stabilityOf(project, ref!.name, ref!.path, mine, seed, runs);
    perRun.push(...r.perRun);
    fullMarksRuns += r.perRun.filter((x) => x.score === x.max).length;
    for (const id of r.changed) changed.add(`${ref!.name}: ${id}`);
    for (const run of r.perRun) for (const f of run.failedRuns) failedRuns.add(`${ref!.name}: ${f.split(' ')[0]}`);
  }
  perRun.sort((a, b) => a.index - b.index);
  const walls = perRun.map((r) => r.wallSec);
  const serials = perRun.map((r) => r.serialSec);
  return {
    bench: 'stability',
    project: projectDir,
    reference: refs.map((r) => r!.name).join(', '),
    runs,
    firstSeed: seed,
    fullMarksRuns,
    testsWithChangedVerdict: [...changed],
    testsWithFailedRuns: [...failedRuns],
    failedRuns: perRun.reduce((a, r) => a + r.failedRuns.length, 0),
    voidedRuns: perRun.reduce((a, r) => a + r.voided, 0),
    wallSec: { min: Math.min(...walls), median: median(walls), max: Math.max(...walls) },
    serialSec: { min: Math.min(...serials), median: median(serials), max: Math.max(...serials) },
    perRun,
  };
}

interface Run {
  index: number;
  reference: string;
  seed: number;
  score: number;
  max: number;
  wallSec: number;
  serialSec: number;
  voided: number;
  load: string;
  notPassed: string[];
  /** Every counted run that failed, as "<test id> seed <seed>" (also inside a test its pass rule passed). */
  failedRuns: string[];
}

async function stabilityOf(project: Awaited<ReturnType<typeof loadManifest>>, refName: string, reference: string, indexes: number[], seed: number, total: number): Promise<{ perRun: Run[]; changed: string[] }> {

  // findFlaky grades run i with seed+i (retries off) and counts each test's verdicts; the per-run
  // times come from its reports.
  const perRun: Run[] = [];
  const counts = new Map<string, Set<string>>();
  for (const index of indexes) {
    const runSeed = seed + index;
    let load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
    const result = await findFlaky({
      project,
      submission: reference,
      runs: 1,
      seed: runSeed,
      onRun: ({ report }) => {
        const run: Run = {
          index,
          reference: refName,
          seed: runSeed,
          score: report.score,
          max: report.maxScore,
          wallSec: round(report.durationMs / 1000),
          serialSec: round(report.tests.reduce((sum, t) => sum + t.durationMs, 0) / 1000),
          voided: report.tests.reduce((n, t) => n + t.attempts.filter((a) => a.voided).length, 0),
          load,
          notPassed: report.tests.filter((t) => t.verdict !== 'passed').map((t) => `${t.id}: ${t.verdict} — ${t.summary}`),
          failedRuns: report.tests.flatMap((t) => t.attempts.filter((a) => !a.voided && a.verdict === 'failed').map((a) => `${t.id} seed ${a.seed ?? '?'}`)),
        };
        perRun.push(run);
        console.error(
          `stability: run ${index + 1}/${total} ${refName} seed ${runSeed} (load ${load}): ${run.score}/${run.max} in ${run.wallSec} s wall, ${run.serialSec} s serial${run.voided ? `, ${run.voided} run(s) voided by overload` : ''}${run.failedRuns.length ? `, failed runs: ${run.failedRuns.join(', ')}` : ''}${run.notPassed.length ? ` — ${run.notPassed.join('; ')}` : ''}`,
        );
        load = '';
      },
    });
    for (const t of result.tests) {
      const kinds = counts.get(t.id) ?? new Set<string>();
      if (t.passed) kinds.add('passed');
      if (t.failed) kinds.add('failed');
      if (t.errors) kinds.add('error');
      counts.set(t.id, kinds);
    }
  }
  // A verdict changed when a test got more than one kind of verdict across the runs.
  return { perRun, changed: [...counts].filter(([, k]) => k.size > 1).map(([id]) => id) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : round((s[mid - 1]! + s[mid]!) / 2);
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
