/**
 * `dsgrade package gradescope`: builds the autograder zip for Gradescope (src/gradescope/package.ts).
 */
import { EXIT } from './exit-codes.js';
import { packageGradescope } from '../gradescope/package.js';
import { processIO, type CommandIO } from './io.js';

export interface PackageCommandOptions {
  project: string;
  out?: string;
  goVersion?: string;
  nodeVersion?: string;
  budgetSec?: number;
  slots?: number;
  sandboxUid?: number;
  io?: CommandIO;
}

export async function packageGradescopeCommand(opts: PackageCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const result = await packageGradescope({
    project: opts.project,
    out: opts.out ?? 'autograder.zip',
    ...(opts.goVersion ? { goVersion: opts.goVersion } : {}),
    ...(opts.nodeVersion ? { nodeVersion: opts.nodeVersion } : {}),
    ...(opts.budgetSec ? { budgetSec: opts.budgetSec } : {}),
    ...(opts.slots ? { slots: opts.slots } : {}),
    ...(opts.sandboxUid ? { baseUid: opts.sandboxUid } : {}),
    log: (line) => io.stderr.write(`dsgrade: ${line}\n`),
  });
  for (const w of result.warnings) io.stderr.write(`dsgrade: warning: ${w}\n`);
  io.stdout.write(
    `wrote ${result.out} (${result.files} files, ${(result.bytes / 1024 / 1024).toFixed(1)} MiB): setup.sh installs Node ${result.nodeVersion} and Go ${result.goVersion}.\n` +
      'Upload it in Gradescope under Configure Autograder (Ubuntu 22.04 base); see docs/gradescope.md.\n',
  );
  return EXIT.OK;
}

export interface PackageAutolabCommandOptions {
  project: string;
  out?: string;
  handinFile?: string;
  budgetSec?: number;
  io?: CommandIO;
}

export async function packageAutolabCommand(opts: PackageAutolabCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const { packageAutolab } = await import('../autolab/package.js');
  const r = await packageAutolab({
    project: opts.project,
    out: opts.out ?? 'autolab',
    ...(opts.handinFile ? { handinFile: opts.handinFile } : {}),
    ...(opts.budgetSec ? { budgetSec: opts.budgetSec } : {}),
    log: (line) => io.stderr.write(`dsgrade: ${line}\n`),
  });
  for (const w of r.warnings) io.stderr.write(`dsgrade: warning: ${w}\n`);
  io.stdout.write(
    `wrote ${r.makefile} and ${r.tar} (${(r.bytes / 1024 / 1024).toFixed(1)} MiB).\n` +
      `In the lab: upload both as the autograder files, set the handin file name to ${r.handinFile}, the autograding timeout above ${r.budgetSec} s, ` +
      'and declare these problems (name: maximum score):\n' +
      r.problems.map((p) => `  ${p.name}: ${p.maxScore}\n`).join('') +
      'The autograding image needs Go and Node 20 on its PATH; see docs/autolab.md.\n',
  );
  return EXIT.OK;
}

export interface PackagePrairieLearnCommandOptions {
  project: string;
  out?: string;
  image?: string;
  goVersion?: string;
  nodeVersion?: string;
  budgetSec?: number;
  slots?: number;
  io?: CommandIO;
}

export async function packagePrairieLearnCommand(opts: PackagePrairieLearnCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const { packagePrairieLearn } = await import('../prairielearn/package.js');
  const r = await packagePrairieLearn({
    project: opts.project,
    out: opts.out ?? 'prairielearn',
    ...(opts.image ? { image: opts.image } : {}),
    ...(opts.goVersion ? { goVersion: opts.goVersion } : {}),
    ...(opts.nodeVersion ? { nodeVersion: opts.nodeVersion } : {}),
    ...(opts.budgetSec ? { budgetSec: opts.budgetSec } : {}),
    ...(opts.slots ? { slots: opts.slots } : {}),
    log: (line) => io.stderr.write(`dsgrade: ${line}\n`),
  });
  for (const w of r.warnings) io.stderr.write(`dsgrade: warning: ${w}\n`);
  io.stdout.write(
    `wrote ${r.outDir}: image/ (build context, Go ${r.goVersion}), question/tests/ (the project), question/info.json.snippet.\n` +
      `Next: docker build -t ${r.image} ${r.outDir}/image and push it; copy question/tests/ into the question's tests/ folder; ` +
      `merge the snippet into its info.json (entrypoint ${r.entrypoint}, timeout ${r.timeoutSec} s). See docs/prairielearn.md.\n`,
  );
  return EXIT.OK;
}
