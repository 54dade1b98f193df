/**
 * Finding the Go toolchain and giving every go command a hermetic environment: the local toolchain
 * only, no module downloads unless the project allows them, cgo only for -race, and a persistent
 * build cache so that later builds of the same staff code are fast.
 */
import { execa } from 'execa';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { GoToolchain } from '../core/toolchain.js';
import { DsgradeError } from '../errors.js';

export type { GoToolchain };

let cached: Promise<GoToolchain> | undefined;

/** The toolchain named by $DSGRADE_GO, else `go` on PATH. */
export function findGo(): Promise<GoToolchain> {
  cached ??= locate();
  return cached;
}

async function locate(): Promise<GoToolchain> {
  const go = process.env.DSGRADE_GO ?? 'go';
  try {
    const { stdout } = await execa(go, ['env', 'GOROOT', 'GOVERSION'], { env: { GOTOOLCHAIN: 'local' } });
    const [goroot, version] = stdout.trim().split('\n');
    return { go: path.join(goroot!, 'bin', 'go'), goroot: goroot!, version: version ?? 'unknown' };
  } catch (err) {
    throw new DsgradeError('GO_NOT_FOUND', `Go toolchain not found: ${go}`, {
      fix: 'install Go (https://go.dev/doc/install) and put it on PATH, or set DSGRADE_GO=/path/to/go',
      cause: err,
    });
  }
}

/** Where dsgrade keeps caches across runs: $DSGRADE_CACHE_DIR, else $XDG_CACHE_HOME/dsgrade, else ~/.cache/dsgrade. */
export function defaultCacheDir(): string {
  if (process.env.DSGRADE_CACHE_DIR) return path.resolve(process.env.DSGRADE_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'dsgrade');
}

export interface GoEnvOptions {
  toolchain: GoToolchain;
  cacheDir: string;
  /** A scratch HOME and TMPDIR for this command. */
  scratchDir: string;
  allowDownloads: boolean;
  cgo: boolean;
}

export async function goEnv(opts: GoEnvOptions): Promise<Record<string, string>> {
  const gocache = path.join(opts.cacheDir, 'go-build');
  const gopath = path.join(opts.cacheDir, 'gopath');
  await fs.mkdir(gocache, { recursive: true });
  await fs.mkdir(opts.scratchDir, { recursive: true });
  return {
    PATH: [path.join(opts.toolchain.goroot, 'bin'), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: opts.scratchDir,
    TMPDIR: opts.scratchDir,
    GOROOT: opts.toolchain.goroot,
    GOTOOLCHAIN: 'local',
    // Ignore the user's `go env -w` settings: a grade must not depend on the grader's account.
    GOENV: 'off',
    GOWORK: 'off',
    GOCACHE: gocache,
    GOPATH: gopath,
    GOMODCACHE: path.join(gopath, 'pkg', 'mod'),
    GOFLAGS: opts.allowDownloads ? '-mod=mod' : '-mod=readonly',
    GOPROXY: opts.allowDownloads ? (process.env.GOPROXY ?? 'https://proxy.golang.org,direct') : 'off',
    GOSUMDB: opts.allowDownloads ? (process.env.GOSUMDB ?? 'sum.golang.org') : 'off',
    GOTELEMETRY: 'off',
    CGO_ENABLED: opts.cgo ? '1' : '0',
  };
}
