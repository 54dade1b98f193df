/**
 * `dsgrade doctor`: checks what grading needs — Go, a C compiler for -race, the Docker engine,
 * dsgrade's images, leftovers of earlier runs — and prints the fix for each problem.
 */
import { execa } from 'execa';
import { EXIT } from './exit-codes.js';
import { findGo, type GoToolchain } from '../go/go-env.js';
import { isDsgradeError } from '../errors.js';
import type { ContainerRuntime } from '../sandbox/docker/container-runtime.js';
import { listLeftovers } from '../sandbox/docker/cleanup.js';
import { dockerRuntime } from '../sandbox/docker/docker-run.js';
import { imageStatus } from '../sandbox/docker/images.js';
import { processIO, type CommandIO } from './io.js';

export interface DoctorCommandOptions {
  /** Only the local backend's needs (skip Docker). */
  localOnly?: boolean;
  runtime?: ContainerRuntime;
  io?: CommandIO;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** A warning does not fail doctor. */
  warning?: boolean;
}

export async function doctorCommand(opts: DoctorCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const checks: Check[] = [];
  let go: GoToolchain | undefined;
  try {
    go = await findGo();
    checks.push({ name: 'Go', ok: true, detail: `${go.version} at ${go.goroot}` });
  } catch (err) {
    checks.push({ name: 'Go', ok: false, detail: (err as Error).message, fix: isDsgradeError(err) ? err.fix : undefined });
  }
  try {
    const { stdout } = await execa('gcc', ['--version']);
    checks.push({ name: 'C compiler (-race)', ok: true, detail: stdout.split('\n')[0] ?? 'gcc' });
  } catch {
    checks.push({ name: 'C compiler (-race)', ok: false, warning: true, detail: 'gcc not found: -race tests cannot be built locally', fix: 'apt-get install gcc (or your platform\'s C compiler)' });
  }
  if (!opts.localOnly) {
    const runtime = opts.runtime ?? dockerRuntime();
    let engine = false;
    try {
      const info = await runtime.info();
      engine = true;
      checks.push({ name: 'Docker engine', ok: true, detail: `${info.version} (API ${info.apiVersion}, ${info.os}/${info.arch})` });
    } catch (err) {
      checks.push({ name: 'Docker engine', ok: false, detail: (err as Error).message, fix: isDsgradeError(err) ? err.fix : undefined });
    }
    if (engine && go) {
      try {
        for (const s of await imageStatus(runtime, go)) {
          checks.push(
            s.present
              ? { name: `image ${s.kind}`, ok: true, detail: s.tag }
              : { name: `image ${s.kind}`, ok: false, warning: true, detail: `${s.tag} not built yet (the first --backend docker run builds it)`, fix: 'dsgrade images build' },
          );
        }
      } catch (err) {
        checks.push({ name: 'images', ok: false, detail: (err as Error).message, fix: isDsgradeError(err) ? err.fix : undefined });
      }
    }
    if (engine) {
      const left = await listLeftovers(runtime).catch(() => []);
      checks.push(
        left.length === 0
          ? { name: 'leftovers', ok: true, detail: 'no dsgrade containers, networks or volumes' }
          : { name: 'leftovers', ok: false, warning: true, detail: `${left.length} resource(s) labelled dsgrade.managed=true (from runs that are still going or were killed)`, fix: 'dsgrade clean' },
      );
    }
  }
  for (const c of checks) {
    const mark = c.ok ? 'ok  ' : c.warning ? 'warn' : 'FAIL';
    io.stdout.write(`${mark}  ${c.name.padEnd(20)} ${c.detail}\n`);
    if (!c.ok && c.fix) io.stdout.write(`      ${''.padEnd(20)} fix: ${c.fix}\n`);
  }
  return checks.some((c) => !c.ok && !c.warning) ? EXIT.CHECK_FAILED : EXIT.OK;
}
