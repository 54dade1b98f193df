/**
 * `dsgrade package prairielearn`: the files for a PrairieLearn external grader (docs/prairielearn.md),
 * in one output folder:
 *
 *   image/                      the image's build context: Dockerfile, run-prairielearn (the
 *                               entrypoint), setup-image, prairielearn.env, dsgrade/ (compiled,
 *                               production dependencies, Go harness sources)
 *   question/tests/             the project (manifest, starter, staff tests, reference): copy it
 *                               into the question's tests/ folder; PrairieLearn mounts it at /grade/tests
 *   question/info.json.snippet  the question's externalGradingOptions (image, entrypoint, timeout)
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { dsgradeVersion, minimumGo, compareVersions, stageDsgrade, stageProject } from '../gradescope/package.js';
import { DsgradeError } from '../errors.js';
import { loadManifest } from '../manifest/load.js';
import { REPO_ROOT } from '../core/install-paths.js';
import { DEFAULT_BASE_UID } from '../sandbox/jail-config.js';
import { DEFAULT_PL_BUDGET_SEC } from './run.js';

export interface PrairieLearnPackageOptions {
  project: string;
  /** Output folder (created, must be empty or absent). */
  out: string;
  /** The image name the question will use (default dsgrade-<project>). */
  image?: string;
  /** Go of the image (golang:<v>-bookworm; default: the project's go.version, at least the harness's). */
  goVersion?: string;
  nodeVersion?: string;
  budgetSec?: number;
  slots?: number;
  log?: (line: string) => void;
}

export interface PrairieLearnPackageResult {
  outDir: string;
  image: string;
  entrypoint: string;
  timeoutSec: number;
  goVersion: string;
  warnings: string[];
}

const TEMPLATES = path.join(REPO_ROOT, 'packaging', 'prairielearn');
/** Where the Dockerfile puts dsgrade in the image. */
export const PL_INSTALL_DIR = '/opt/dsgrade';

export async function packagePrairieLearn(opts: PrairieLearnPackageOptions): Promise<PrairieLearnPackageResult> {
  const log = opts.log ?? (() => undefined);
  const warnings: string[] = [];
  const loaded = await loadManifest(opts.project);
  warnings.push(...loaded.warnings);
  const m = loaded.manifest;
  const outDir = path.resolve(opts.out);
  const existing = await fs.readdir(outDir).catch(() => []);
  if (existing.length > 0) throw new DsgradeError('USAGE', `output folder is not empty: ${outDir}`, { file: outDir, fix: 'pass a new folder with -o, or remove this one' });
  const minimum = await minimumGo(m.go.version ?? '1.21');
  const goVersion = opts.goVersion ?? (compareVersions(m.go.version ?? '0', minimum) >= 0 ? m.go.version! : minimum);
  if (compareVersions(goVersion, minimum) < 0) {
    throw new DsgradeError('USAGE', `Go ${goVersion} is too old for this grader: it needs Go ${minimum} or later`, { fix: `pass --go-version ${minimum} or later` });
  }
  const nodeVersion = opts.nodeVersion ?? '20';
  const budgetSec = opts.budgetSec ?? DEFAULT_PL_BUDGET_SEC;
  const image = opts.image ?? `dsgrade-${m.name}`;

  const imageDir = path.join(outDir, 'image');
  log('staging dsgrade');
  await stageDsgrade(path.join(imageDir, 'dsgrade'), log, warnings);
  for (const f of ['run-prairielearn', 'setup-image']) {
    await fs.copyFile(path.join(TEMPLATES, f), path.join(imageDir, f));
    await fs.chmod(path.join(imageDir, f), 0o755);
  }
  const dockerfile = await fs.readFile(path.join(TEMPLATES, 'Dockerfile'), 'utf8');
  await fs.writeFile(path.join(imageDir, 'Dockerfile'), dockerfile.replaceAll('{{PROJECT}}', m.name).replaceAll('{{GO_VERSION}}', goVersion).replaceAll('{{NODE_VERSION}}', nodeVersion));
  await fs.writeFile(
    path.join(imageDir, 'prairielearn.env'),
    [
      `# Written by dsgrade package prairielearn (dsgrade ${await dsgradeVersion()}) for ${m.name}.`,
      `BUDGET_SEC=${budgetSec}`,
      `SANDBOX_BASE_UID=${DEFAULT_BASE_UID}`,
      `SANDBOX_SLOTS=${opts.slots ?? 8}`,
      '',
    ].join('\n'),
  );
  log(`staging the project ${m.name}`);
  await stageProject(m, path.join(outDir, 'question', 'tests'));
  // PrairieLearn stops the grader at `timeout`; dsgrade writes what it has at the budget, before that.
  const timeoutSec = budgetSec + 60;
  const entrypoint = `${PL_INSTALL_DIR}/run-prairielearn`;
  const snippet = { gradingMethod: 'External', externalGradingOptions: { enabled: true, image, entrypoint, timeout: timeoutSec } };
  await fs.writeFile(path.join(outDir, 'question', 'info.json.snippet'), `${JSON.stringify(snippet, null, 2)}\n`);
  return { outDir, image, entrypoint, timeoutSec, goVersion, warnings };
}
