/** `dsgrade images build|list`: dsgrade's Docker images, built from docker/ with no registry. */
import { EXIT } from './exit-codes.js';
import { findGo } from '../go/go-env.js';
import { dockerRuntime } from '../sandbox/docker/docker-run.js';
import { buildImage, imageStatus, planImage, type ImageKind } from '../sandbox/docker/images.js';
import type { ContainerRuntime } from '../sandbox/docker/container-runtime.js';
import { processIO, type CommandIO } from './io.js';

export interface ImagesCommandOptions {
  action: 'build' | 'list';
  /** Rebuild even when an image with the same input hash exists. */
  force?: boolean;
  runtime?: ContainerRuntime;
  io?: CommandIO;
}

export async function imagesCommand(opts: ImagesCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const runtime = opts.runtime ?? dockerRuntime();
  const go = await findGo();
  await runtime.info();
  if (opts.action === 'list') {
    for (const s of await imageStatus(runtime, go)) io.stdout.write(`${s.kind.padEnd(10)} ${s.tag}  ${s.present ? 'present' : 'missing (dsgrade images build)'}\n`);
    return EXIT.OK;
  }
  for (const kind of ['toolchain', 'run'] as ImageKind[]) {
    const plan = await planImage(kind, go);
    if (!opts.force && (await runtime.inspectImage(plan.tag))) {
      io.stdout.write(`${kind.padEnd(10)} ${plan.tag}  up to date (inputs unchanged)\n`);
      continue;
    }
    const t0 = performance.now();
    io.stderr.write(`dsgrade: building ${plan.tag} (${plan.packages.length} host packages${kind === 'toolchain' ? ` + ${go.goroot}` : ''})\n`);
    await buildImage(runtime, plan, (line) => io.stderr.write(`  ${line}\n`));
    io.stdout.write(`${kind.padEnd(10)} ${plan.tag}  built in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  return EXIT.OK;
}
