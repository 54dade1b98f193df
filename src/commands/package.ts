/**
 * `dsgrade package gradescope`: builds the autograder zip for Gradescope (src/gradescope/package.ts).
 */
import { EXIT } from '../cli/exit-codes.js';
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
