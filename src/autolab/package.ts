/**
 * `dsgrade package autolab`: what an Autolab lab needs (docs/autolab.md), in one output folder:
 *
 *   autograde-Makefile   Autolab runs it as `make` beside autograde.tar and the student's handin
 *   autograde.tar        dsgrade-autolab/: run-autolab, autolab.env, dsgrade/ (compiled, with
 *                        production dependencies and the Go harness sources), project/
 *
 * The lab must declare one problem per entry of `problems` (names and maximum scores), and its
 * image must have Go and Node 20 (dsgrade builds its harness and the student's code there).
 */
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import { dsgradeVersion, stageDsgrade, stageProject } from '../gradescope/package.js';
import { loadManifest } from '../manifest/load.js';
import { REPO_ROOT } from '../core/install-paths.js';
import { autolabProblems, type AutolabProblem } from '../report/autolab-results.js';
import { DEFAULT_BASE_UID } from '../sandbox/jail-config.js';
import { DEFAULT_AUTOLAB_BUDGET_SEC } from './run.js';

export interface AutolabPackageOptions {
  project: string;
  /** Output folder (created): autograde-Makefile and autograde.tar go there. */
  out: string;
  /** The handin file name the lab is configured with (default handin.tar). */
  handinFile?: string;
  budgetSec?: number;
  log?: (line: string) => void;
}

export interface AutolabPackageResult {
  makefile: string;
  tar: string;
  bytes: number;
  problems: AutolabProblem[];
  handinFile: string;
  budgetSec: number;
  warnings: string[];
}

const TEMPLATES = path.join(REPO_ROOT, 'packaging', 'autolab');
/** The folder inside autograde.tar: a name no student file will have. */
export const AUTOLAB_DIR = 'dsgrade-autolab';

export async function packageAutolab(opts: AutolabPackageOptions): Promise<AutolabPackageResult> {
  const log = opts.log ?? (() => undefined);
  const warnings: string[] = [];
  const loaded = await loadManifest(opts.project);
  warnings.push(...loaded.warnings);
  const m = loaded.manifest;
  const handinFile = opts.handinFile ?? 'handin.tar';
  if (!/^[A-Za-z0-9._-]+$/.test(handinFile)) {
    throw new DsgradeError('USAGE', `handin file name ${JSON.stringify(handinFile)} is not a plain file name`, { fix: 'use the name the lab is configured with, e.g. handin.tar (letters, digits, . _ -)' });
  }
  const budgetSec = opts.budgetSec ?? DEFAULT_AUTOLAB_BUDGET_SEC;
  const stage = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-package-autolab-'));
  try {
    const root = path.join(stage, AUTOLAB_DIR);
    log('staging dsgrade');
    await stageDsgrade(path.join(root, 'dsgrade'), log, warnings);
    log(`staging the project ${m.name}`);
    await stageProject(m, path.join(root, 'project'));
    await fs.copyFile(path.join(TEMPLATES, 'run-autolab'), path.join(root, 'run-autolab'));
    await fs.chmod(path.join(root, 'run-autolab'), 0o755);
    await fs.writeFile(
      path.join(root, 'autolab.env'),
      [`# Written by dsgrade package autolab (dsgrade ${await dsgradeVersion()}) for ${m.name}.`, `BUDGET_SEC=${budgetSec}`, `SANDBOX_BASE_UID=${DEFAULT_BASE_UID}`, ''].join('\n'),
    );
    const outDir = path.resolve(opts.out);
    await fs.mkdir(outDir, { recursive: true });
    const tar = path.join(outDir, 'autograde.tar');
    log(`writing ${tar}`);
    const r = await execa('tar', ['-C', stage, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-cf', tar, AUTOLAB_DIR], { reject: false });
    if (r.exitCode !== 0) throw new DsgradeError('TOOL_FAILED', `could not write ${tar}: ${String(r.stderr || r.message)}`, { fix: 'dsgrade needs GNU tar on this machine to build the Autolab package' });
    const makefile = path.join(outDir, 'autograde-Makefile');
    const template = await fs.readFile(path.join(TEMPLATES, 'autograde-Makefile'), 'utf8');
    await fs.writeFile(makefile, template.replaceAll('{{PROJECT}}', m.name).replaceAll('{{HANDIN}}', handinFile));
    return { makefile, tar, bytes: (await fs.stat(tar)).size, problems: autolabProblems(m), handinFile, budgetSec, warnings };
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}
