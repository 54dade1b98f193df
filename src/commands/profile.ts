/** `dsgrade profile <project>`: measure the reference, write the project's timings.json (docs/scheduling.md). */
import path from 'node:path';
import { loadManifest } from '../manifest/load.js';
import { profileProject } from '../profile/profile.js';
import { formatDuration } from '../report/format.js';
import type { BackendKind } from '../sandbox/backend.js';
import { EXIT } from './exit-codes.js';
import { backendOptions } from './grade.js';
import { processIO, type CommandIO } from './io.js';

export interface ProfileCommandOptions {
  project: string;
  reference?: string;
  runs?: number;
  jobs?: number;
  seed?: number;
  out?: string;
  dryRun?: boolean;
  cacheDir?: string;
  backend?: BackendKind;
  baseImage?: string;
  cpus?: number;
  io?: CommandIO;
}

export async function profileCommand(opts: ProfileCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const project = await loadManifest(opts.project);
  for (const w of project.warnings) io.stderr.write(`dsgrade: warning: ${w}\n`);
  const runs = opts.runs ?? 1;
  io.stderr.write(`Profiling ${project.manifest.name}: ${runs} grade(s) of the reference, ${opts.jobs ?? 1} item(s) at a time\n`);
  const result = await profileProject({
    project,
    ...(opts.reference ? { reference: opts.reference } : {}),
    runs,
    ...(opts.jobs ? { jobs: opts.jobs } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
    ...backendOptions(opts, io),
    ...(opts.out ? { out: opts.out } : {}),
    write: !opts.dryRun,
    onRun: (i, r) => io.stderr.write(`  grade ${i + 1}/${runs}: ${r.score}/${r.maxScore} in ${formatDuration(r.durationMs)} (seed ${r.seed})\n`),
  });
  const items = Object.entries(result.timings.tests);
  const cpu = items.reduce((a, [, t]) => a + t.wallMs * t.cpuRate, 0);
  const heaviest = [...items].sort((a, b) => b[1].cpuRate - a[1].cpuRate).slice(0, 3);
  io.stdout.write(
    [
      `${items.length} items; one run of each: ${formatDuration(items.reduce((a, [, t]) => a + t.wallMs, 0))} of wall time, ${formatDuration(cpu)} of CPU`,
      `heaviest: ${heaviest.map(([id, t]) => `${id} ${t.cpuRate} cores`).join(', ')}`,
      `predicted on this machine: ${formatDuration(result.predicted.cpuAwareMs)} CPU-aware (up to ${result.predicted.maxConcurrent} at once) vs ${formatDuration(result.predicted.oneAtATimeMs)} one at a time (tests only, without builds)`,
      result.file ? `wrote ${path.relative(process.cwd(), result.file) || result.file}` : '(--dry-run: nothing written)',
    ].join('\n') + '\n',
  );
  return EXIT.OK;
}
