/** `dsgrade regress <project>`: reference and mutants against their expected scores. */
import { EXIT } from './exit-codes.js';
import { loadManifest } from '../manifest/load.js';
import { regress, scoreAccepted, type RegressionRow } from '../regress/regress.js';
import { STAFF_BUG_FIX, staffBugLine } from '../regress/staff-bugs.js';
import { formatDuration, formatPoints } from '../report/format.js';
import type { BackendKind } from '../sandbox/backend.js';
import { backendOptions } from './grade.js';
import { processIO, type CommandIO } from './io.js';

export interface RegressCommandOptions {
  project: string;
  jobs?: number;
  seed?: number;
  mutant?: string[];
  quick?: boolean;
  stability?: number;
  cacheDir?: string;
  color?: boolean;
  backend?: BackendKind;
  baseImage?: string;
  /** Docker: CPUs of the containers (--cpus). */
  cpus?: number;
  io?: CommandIO;
}

export async function regressCommand(opts: RegressCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const loaded = await loadManifest(opts.project);
  const color = opts.color !== false && Boolean(io.stdout.isTTY);
  const paint = (ok: boolean, s: string): string => (color ? `\u001b[${ok ? 32 : 31}m${s}\u001b[0m` : s);
  const mutants = opts.mutant?.includes('none') ? [] : opts.mutant;
  const unknown = (mutants ?? []).filter((n) => !loaded.manifest.mutants.some((m) => m.name === n));
  if (unknown.length > 0) {
    io.stderr.write(`dsgrade: unknown mutant(s): ${unknown.join(', ')}; known: ${loaded.manifest.mutants.map((m) => m.name).join(', ')}\n`);
    return EXIT.USAGE;
  }
  io.stdout.write(`Regression of ${loaded.manifest.name}${opts.quick ? ' (quick: references in full, mutants only their catcher tests)' : ''}${opts.backend === 'docker' ? ' (backend: docker)' : ''}\n`);
  const rows = await regress({
    project: loaded,
    jobs: opts.jobs,
    seed: opts.seed,
    mutants,
    quick: opts.quick,
    stabilityRuns: opts.stability,
    cacheDir: opts.cacheDir,
    ...backendOptions(opts, io),
    onRow: (r) => io.stdout.write(`${line(r, paint)}\n`),
  });
  const bad = rows.filter((r) => !r.ok);
  // Said first and apart from any score: a reference's failing run fails students at random.
  const bugs = rows.filter((r) => (r.staffBugs ?? []).length > 0);
  if (bugs.length > 0) {
    io.stdout.write(`\n${paint(false, `STAFF BUGS: ${bugs.reduce((n, r) => n + r.staffBugs!.length, 0)} test(s) failed on a reference`)}\n`);
    for (const r of bugs) for (const b of r.staffBugs!) io.stdout.write(`  ${paint(false, staffBugLine(r.name, b))}\n`);
    io.stdout.write(`  ${STAFF_BUG_FIX}\n`);
  }
  for (const r of bad) {
    if (r.staffBugs?.length && scoreAccepted(r.got, r.expected, r.range)) continue;
    io.stdout.write(`\n${r.name}: expected ${formatPoints(r.expected)}${r.range ? ` (accepted ${formatRange(r.range)})` : ''}, got ${formatPoints(r.got)} (seed ${r.seed}); tests that did not pass:\n`);
    for (const t of r.notable) io.stdout.write(`  ${t.verdict.toUpperCase().padEnd(6)} ${t.id}: ${t.summary}\n`);
  }
  io.stdout.write(`\n${rows.length - bad.length}/${rows.length} as expected${bad.length ? `; MISMATCH: ${bad.map((r) => r.name).join(', ')}` : ''}${bugs.length ? `; STAFF BUG in ${bugs.map((r) => r.name).join(', ')}` : ''}\n`);
  return bad.length === 0 ? EXIT.OK : EXIT.CHECK_FAILED;
}

function line(r: RegressionRow, paint: (ok: boolean, s: string) => string): string {
  const range = r.range ? ` (${formatRange(r.range)})` : '';
  const runs = r.catcherRuns ? ` (in ${r.catcherRuns.failed} of their ${r.catcherRuns.total} runs)` : '';
  const what = r.quick ? `catchers failed ${r.got}/${r.expected}${runs}` : `expected ${formatPoints(r.expected).padStart(5)}${range}  got ${formatPoints(r.got).padStart(5)} / ${formatPoints(r.max)}`;
  const label = r.ok ? 'OK      ' : r.staffBugs?.length ? 'STAFFBUG' : 'MISMATCH';
  return `  ${paint(r.ok, label)}  ${r.kind.padEnd(9)}  ${r.name.padEnd(24)}  ${what}  ${formatDuration(r.durationMs)}`;
}

function formatRange([lo, hi]: readonly [number, number]): string {
  return `${formatPoints(lo)}–${formatPoints(hi)}`;
}
