/** `dsgrade clean`: removes every container, network and volume labelled dsgrade.managed=true. */
import { EXIT } from './exit-codes.js';
import type { ContainerRuntime } from '../sandbox/docker/container-runtime.js';
import { listLeftovers, removeResources } from '../sandbox/docker/cleanup.js';
import { dockerRuntime } from '../sandbox/docker/docker-run.js';
import { RUN_LABEL } from '../sandbox/docker/labels.js';
import { processIO, type CommandIO } from './io.js';

export interface CleanCommandOptions {
  /** Only list what would be removed. */
  dryRun?: boolean;
  runtime?: ContainerRuntime;
  io?: CommandIO;
}

export async function cleanCommand(opts: CleanCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const runtime = opts.runtime ?? dockerRuntime();
  const found = await listLeftovers(runtime);
  if (found.length === 0) {
    io.stdout.write('nothing to clean: no container, network or volume labelled dsgrade.managed=true\n');
    return EXIT.OK;
  }
  for (const r of found) io.stdout.write(`${opts.dryRun ? 'would remove' : 'removing'} ${r.kind} ${r.name} (run ${r.labels[RUN_LABEL] ?? '?'}${r.state ? `, ${r.state}` : ''})\n`);
  if (opts.dryRun) return EXIT.OK;
  const { removed, failed } = await removeResources(runtime, found);
  for (const f of failed) io.stderr.write(`dsgrade: could not remove ${f.resource.kind} ${f.resource.name}: ${f.error}\n`);
  io.stdout.write(`removed ${removed.length} of ${found.length}\n`);
  return failed.length === 0 ? EXIT.OK : EXIT.CHECK_FAILED;
}
