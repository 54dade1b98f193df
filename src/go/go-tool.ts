/**
 * The go command on a trusted tree — the course's starter and staff files, a reference — with
 * stdout and stderr kept apart (`go list -json` and `go test -list` print data on stdout). Same
 * hermetic environment as grading builds (go-env.ts), no sandbox: nothing a student wrote runs here.
 * `dsgrade init` and `dsgrade validate --build` use it.
 */
import { execa } from 'execa';
import path from 'node:path';
import { goEnv, type GoToolchain } from './go-env.js';

export interface GoToolOptions {
  toolchain: GoToolchain;
  cacheDir: string;
  moduleDir: string;
  /** HOME and TMPDIR of the command. */
  scratchDir: string;
  allowDownloads?: boolean;
  cgo?: boolean;
  timeoutMs?: number;
}

export interface GoToolResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export async function runGoTool(args: string[], opts: GoToolOptions): Promise<GoToolResult> {
  const env = await goEnv({
    toolchain: opts.toolchain,
    cacheDir: opts.cacheDir,
    scratchDir: opts.scratchDir,
    allowDownloads: opts.allowDownloads ?? false,
    cgo: opts.cgo ?? false,
  });
  const started = performance.now();
  const r = await execa(opts.toolchain.go, args, {
    cwd: opts.moduleDir,
    env,
    extendEnv: false,
    reject: false,
    timeout: opts.timeoutMs ?? 180_000,
    forceKillAfterDelay: 2000,
    maxBuffer: 64 * 1024 * 1024,
    stdin: 'ignore',
  });
  return {
    ok: r.exitCode === 0 && !r.timedOut,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
    timedOut: Boolean(r.timedOut),
    durationMs: Math.round(performance.now() - started),
  };
}

/** One package as `go list -json` reports it (the fields dsgrade reads). */
export interface GoPackage {
  /** Folder relative to the module root, slash-separated ("" for the root package). */
  dir: string;
  importPath: string;
  name: string;
  goFiles: string[];
  testGoFiles: string[];
  xTestGoFiles: string[];
  /** Imports of the package and of its test files (in-module and standard library alike). */
  imports: string[];
  testImports: string[];
  error?: string;
}

const LIST_FIELDS = 'Dir,ImportPath,Name,GoFiles,CgoFiles,TestGoFiles,XTestGoFiles,Imports,TestImports,XTestImports,Error';

/** Every package of the module (`go list -e -json ./...`), errors included rather than fatal. */
export async function listPackages(opts: GoToolOptions): Promise<{ packages: GoPackage[]; stderr: string; ok: boolean }> {
  const r = await runGoTool(['list', '-e', `-json=${LIST_FIELDS}`, './...'], opts);
  return { packages: parseGoListJson(r.stdout, opts.moduleDir), stderr: r.stderr, ok: r.ok };
}

interface RawListEntry {
  Dir?: string;
  ImportPath?: string;
  Name?: string;
  GoFiles?: string[];
  CgoFiles?: string[];
  TestGoFiles?: string[];
  XTestGoFiles?: string[];
  Imports?: string[];
  TestImports?: string[];
  XTestImports?: string[];
  Error?: { Err?: string };
}

/** parseGoListJson reads the stream of JSON objects `go list -json` prints (one after the other, no array). */
export function parseGoListJson(stdout: string, moduleDir: string): GoPackage[] {
  const out: GoPackage[] = [];
  // Each object starts with "{" and ends with "}" at the start of a line.
  for (const chunk of stdout.split(/^}\s*$/m)) {
    const text = chunk.trim();
    if (!text.startsWith('{')) continue;
    const raw = JSON.parse(`${text}\n}`) as RawListEntry;
    const dir = raw.Dir ? path.relative(moduleDir, raw.Dir).split(path.sep).join('/') : '';
    out.push({
      dir,
      importPath: raw.ImportPath ?? '',
      name: raw.Name ?? '',
      goFiles: [...(raw.GoFiles ?? []), ...(raw.CgoFiles ?? [])],
      testGoFiles: raw.TestGoFiles ?? [],
      xTestGoFiles: raw.XTestGoFiles ?? [],
      imports: raw.Imports ?? [],
      testImports: [...new Set([...(raw.TestImports ?? []), ...(raw.XTestImports ?? [])])],
      ...(raw.Error?.Err ? { error: raw.Error.Err } : {}),
    });
  }
  return out;
}

export interface ListedTests {
  ok: boolean;
  /** Test function names in the order the test binary lists them. */
  tests: string[];
  /** Compiler or runtime output when listing failed. */
  detail: string;
}

/**
 * listTests compiles the package's tests and asks the binary for its tests (`go test -list ^Test`):
 * the tests that really exist after build constraints, which a scan of the source cannot know.
 */
export async function listTests(pkgDir: string, opts: GoToolOptions & { race?: boolean }): Promise<ListedTests> {
  const target = pkgDir === '' ? '.' : `./${pkgDir}`;
  const r = await runGoTool(['test', ...(opts.race ? ['-race'] : []), '-count=1', '-list', '^Test', target], { ...opts, cgo: opts.cgo ?? opts.race ?? false });
  return { ok: r.ok, tests: parseTestList(r.stdout), detail: r.ok ? '' : `${r.stderr}${r.stdout}`.trim() || (r.timedOut ? 'timed out' : 'go test -list failed') };
}

/** parseTestList keeps the test names of `go test -list` output (one per line; the `ok` line and others dropped). */
export function parseTestList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^Test[A-Za-z0-9_]*$/.test(l) && l !== 'TestMain');
}
