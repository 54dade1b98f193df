/**
 * `dsgrade profile <project>`: grades a reference (each item alone by default, so the figures are
 * its own) and turns what every attempt measurably used into the project's timings.json
 * (docs/scheduling.md): per item the median wall time of one run, the highest CPU rate and the
 * highest peak RSS over the runs. Refuses a reference that does not get full marks, or figures the
 * backend could not measure.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import type { LoadedManifest } from '../manifest/load.js';
import { gradedItemIds } from '../manifest/load.js';
import { TIMINGS_FILE, type ItemTiming, type Timings } from '../manifest/timings.js';
import type { GradeReport } from '../model.js';
import { SCHEMA_DIR } from '../core/install-paths.js';
import { DEFAULT_MAX_JOBS, gradeSubmission, type GradeOptions } from '../pipeline/grade.js';
import { machineResources } from '../sandbox/machine-resources.js';
import { countedAttempts } from '../scoring/overload.js';
import { simulate, type SchedulerJob } from '../schedule/scheduler.js';
import { DSGRADE_VERSION } from '../version.js';

export interface ProfileOptions {
  project: LoadedManifest;
  /** A reference's name (default: the first). */
  reference?: string;
  /** Grades to take the figures from (default 1). */
  runs?: number;
  /** Items at once while profiling (default 1: each alone). */
  jobs?: number;
  seed?: number;
  cacheDir?: string;
  backend?: GradeOptions['backend'];
  docker?: GradeOptions['docker'];
  /** Where to write (default: <project>/timings.json); undefined `write` only returns the figures. */
  out?: string;
  write?: boolean;
  onRun?: (index: number, report: GradeReport) => void;
}

export interface ProfileResult {
  timings: Timings;
  file?: string;
  reports: GradeReport[];
  /** What the scheduler would do with these figures on the profiled machine vs one at a time. */
  predicted: { cpuAwareMs: number; oneAtATimeMs: number; maxConcurrent: number };
}

export async function profileProject(opts: ProfileOptions): Promise<ProfileResult> {
  const { manifest } = opts.project;
  const ref = opts.reference === undefined ? manifest.references[0] : manifest.references.find((r) => r.name === opts.reference);
  if (!ref) {
    throw new DsgradeError('USAGE', `no reference to profile in ${manifest.name}${opts.reference ? `: "${opts.reference}"` : ''}`, {
      fix: `name one of: ${manifest.references.map((r) => r.name).join(', ') || '(none: add "reference" to dsgrade.json)'}`,
    });
  }
  const runs = Math.max(1, opts.runs ?? 1);
  const jobs = Math.max(1, opts.jobs ?? 1);
  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const reports: GradeReport[] = [];
  for (let i = 0; i < runs; i++) {
    const report = await gradeSubmission({
      project: opts.project,
      submission: ref.path,
      jobs,
      ...(opts.seed !== undefined ? { seed: opts.seed + i } : {}),
      ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
      ...(opts.backend ? { backend: opts.backend } : {}),
      ...(opts.docker ? { docker: opts.docker } : {}),
    });
    opts.onRun?.(i, report);
    const bad = report.tests.filter((t) => t.verdict !== 'passed');
    if (bad.length > 0) {
      throw new DsgradeError('USAGE', `the reference "${ref.name}" did not get full marks (${report.score}/${report.maxScore}, seed ${report.seed}): ${bad.map((t) => `${t.id} ${t.verdict}`).join(', ')}`, {
        fix: 'profile a reference that passes everything (`dsgrade regress` shows why it does not); figures of failing tests would mislead the scheduler',
      });
    }
    reports.push(report);
  }
  const tests = timingsFromReports(reports, gradedItemIds(manifest));
  const timings: Timings = {
    version: 1,
    recorded: { at: new Date().toISOString(), dsgrade: DSGRADE_VERSION, submission: ref.name, runs, jobs, backend: opts.backend ?? 'local', cores: machineResources().cores, load },
    tests,
  };
  const file = opts.write === false ? undefined : path.resolve(opts.out ?? path.join(manifest.dir, TIMINGS_FILE));
  if (file) {
    const schema = path.relative(path.dirname(file), path.join(SCHEMA_DIR, 'timings.schema.json')).split(path.sep).join('/');
    await fs.writeFile(file, timingsText({ $schema: schema, ...timings }));
  }
  return { timings, ...(file ? { file } : {}), reports, predicted: predict(opts.project, tests) };
}

/**
 * Every item's figures from the reports: the median wall time of its counted runs, their highest
 * CPU rate and peak RSS. Throws when an item's runs carry no measured usage (DSGRADE_SANDBOX=off).
 */
export function timingsFromReports(reports: readonly GradeReport[], itemIds: readonly string[]): Record<string, ItemTiming> {
  const wanted = new Set(itemIds);
  const runsOf = new Map<string, { wallMs: number; cpuMs?: number; rss?: number }[]>();
  for (const report of reports) {
    for (const t of report.tests) {
      if (!wanted.has(t.id)) continue;
      for (const a of countedAttempts(t.attempts)) {
        const list = runsOf.get(t.id) ?? [];
        list.push({ wallMs: a.durationMs, ...(a.usage ? { cpuMs: a.usage.cpuMs, rss: a.usage.peakRssBytes } : {}) });
        runsOf.set(t.id, list);
      }
    }
  }
  const out: Record<string, ItemTiming> = {};
  const unmeasured: string[] = [];
  for (const id of itemIds) {
    const list = runsOf.get(id);
    if (!list || list.length === 0) continue;
    const measured = list.filter((r) => r.cpuMs !== undefined);
    if (measured.length === 0) {
      unmeasured.push(id);
      continue;
    }
    const walls = list.map((r) => r.wallMs).sort((a, b) => a - b);
    const wallMs = walls[Math.floor(walls.length / 2)]!;
    const cpuRate = Math.max(...measured.map((r) => (r.wallMs > 0 ? r.cpuMs! / r.wallMs : 0)));
    const peakRssBytes = Math.max(...measured.map((r) => r.rss ?? 0));
    out[id] = { wallMs: Math.round(wallMs), cpuRate: Math.round(cpuRate * 1000) / 1000, ...(peakRssBytes > 0 ? { peakRssBytes } : {}) };
  }
  if (unmeasured.length > 0) {
    throw new DsgradeError('USAGE', `no CPU figures for ${unmeasured.length} item(s) (${unmeasured.slice(0, 3).join(', ')}${unmeasured.length > 3 ? ', …' : ''}): the sandbox did not measure them`, {
      fix: 'profile with the jail on (the default; DSGRADE_SANDBOX=off measures nothing) or with --backend docker',
    });
  }
  return out;
}

/** The scheduler's plan for the project's items with these figures, on this machine's cores. */
function predict(project: LoadedManifest, tests: Record<string, ItemTiming>): ProfileResult['predicted'] {
  const jobs: SchedulerJob[] = [];
  for (const s of project.manifest.suites) {
    if (s.kind === 'gotest') for (const t of s.tests) jobs.push({ id: `${s.id}/${t.name}`, exclusive: t.exclusive, estimate: estimate(tests[`${s.id}/${t.name}`], t.runs) });
    else if (s.kind === 'scenario') for (const sc of s.scenarios) jobs.push({ id: `${s.id}/${sc.name}`, exclusive: sc.exclusive, estimate: estimate(tests[`${s.id}/${sc.name}`], 1) });
    else for (const v of ['correct', ...s.buggy.map((b) => b.name)]) for (let i = 0; i < s.repeat; i++) jobs.push({ id: `${s.id}/${v}#${i + 1}`, exclusive: false, estimate: estimate(tests[`${s.id}/${v}`], 1) });
  }
  const here = machineResources();
  const capacity = { cores: here.cores, memoryBytes: here.memoryBytes, maxJobs: DEFAULT_MAX_JOBS };
  const cpuAware = simulate(jobs, capacity);
  const serial = simulate(jobs, { ...capacity, maxJobs: 1 });
  return { cpuAwareMs: cpuAware.makespanMs, oneAtATimeMs: serial.makespanMs, maxConcurrent: cpuAware.maxConcurrent };
}

function estimate(t: ItemTiming | undefined, runs: number): SchedulerJob['estimate'] {
  return t ? { wallMs: t.wallMs * runs, cpuRate: t.cpuRate, ...(t.peakRssBytes !== undefined ? { peakRssBytes: t.peakRssBytes } : {}) } : {};
}

/** timings.json as people diff it: the header indented, then one line per item, in manifest order. */
export function timingsText(t: Timings & { $schema?: string }): string {
  const { tests, ...head } = t;
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  const lines = Object.entries(tests).map(([id, v]) => `    ${JSON.stringify(id)}: ${JSON.stringify(v).replace(/,"/g, ', "').replace(/":/g, '": ')}`);
  return `${headText},\n  "tests": {\n${lines.join(',\n')}\n  }\n}\n`;
}
