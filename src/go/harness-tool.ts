/**
 * Builds dsgrade's own Go programs (harness/cmd/<name>) once per content hash and caches the
 * binary, so a grading run never recompiles them and an edit to the harness is never missed.
 * They are trusted and built on this machine without the jail, whatever a run's backend.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import { HARNESS_DIR } from '../core/install-paths.js';
import { listFiles } from '../util/fs.js';
import { unjailedBackend } from '../sandbox/local-backend.js';
import { runGo } from './go-command.js';
import type { GoToolchain } from './go-env.js';

const inflight = new Map<string, Promise<string>>();

export function harnessTool(name: string, toolchain: GoToolchain, cacheDir: string): Promise<string> {
  const key = `${name}|${cacheDir}`;
  let p = inflight.get(key);
  if (!p) {
    p = build(name, toolchain, cacheDir);
    inflight.set(key, p);
    p.catch(() => inflight.delete(key));
  }
  return p;
}

async function build(name: string, toolchain: GoToolchain, cacheDir: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(toolchain.version);
  for (const f of await listFiles(HARNESS_DIR)) {
    // .json: files the programs embed (harness/vet/gate-default.json, the gate's default policy).
    if (!f.endsWith('.go') && !f.endsWith('go.mod') && !f.endsWith('go.sum') && !f.endsWith('.json')) continue;
    hash.update(f).update('\0').update(await fs.readFile(path.join(HARNESS_DIR, f))).update('\0');
  }
  const binary = path.join(cacheDir, 'tools', `${name}-${hash.digest('hex').slice(0, 16)}`);
  try {
    await fs.access(binary);
    return binary;
  } catch {
    // Not built yet.
  }
  const tmp = `${binary}.tmp-${process.pid}`;
  const outcome = await runGo(unjailedBackend(toolchain, cacheDir), ['build', '-trimpath', '-o', tmp, `./cmd/${name}`], {
    moduleDir: HARNESS_DIR,
    scratchDir: path.join(cacheDir, 'tmp', `tool-${process.pid}`),
    allowDownloads: false,
    cgo: false,
    timeoutMs: 300_000,
  });
  if (outcome.exitCode !== 0) {
    throw new DsgradeError('TOOL_FAILED', `could not build dsgrade's harness program: ${name}`, {
      file: path.join(HARNESS_DIR, 'cmd', name),
      fix: 'this is a bug in dsgrade or a broken checkout; the Go output follows',
      cause: new Error(outcome.spawnError ?? outcome.output),
    });
  }
  await fs.rename(tmp, binary);
  return binary;
}
