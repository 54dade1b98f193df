/**
 * `dsgrade package gradescope`: the autograder zip an instructor uploads to Gradescope.
 *
 *   setup.sh, run_autograder      at the zip's root (packaging/gradescope/)
 *   autograder.env                versions, sandbox uids and the time budget, read by both scripts
 *   dsgrade/                      dsgrade compiled to JavaScript: package.json, bin/, dist/,
 *                                 schemas/, the Go harness sources, production node_modules
 *   project/                      the project folder (manifest, starter, staff tests, reference…)
 *
 * Gradescope unpacks it to /autograder/source; setup.sh installs Node and Go, creates the sandbox
 * users and closes /autograder/source to them; run_autograder calls `dsgrade gradescope`.
 */
import { execa } from 'execa';
import { createWriteStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { findGo } from '../go/go-env.js';
import { DsgradeError } from '../errors.js';
import { loadManifest } from '../manifest/load.js';
import type { Manifest } from '../manifest/types.js';
import { REPO_ROOT } from '../core/install-paths.js';
import { DEFAULT_BASE_UID } from '../sandbox/jail-config.js';
import { listFiles } from '../util/fs.js';
import { DEFAULT_BUDGET_SEC } from './run.js';

export interface PackageOptions {
  project: string;
  out: string;
  /** Go installed by setup.sh (default: the version of the local toolchain, which `dsgrade regress` used). */
  goVersion?: string;
  /** Node 20 release installed by setup.sh (default: this Node's version when it is 20.x, else 20.19.0). */
  nodeVersion?: string;
  budgetSec?: number;
  slots?: number;
  /** First sandbox uid (the builder); run users take the next `slots`. Default 61000. */
  baseUid?: number;
  log?: (line: string) => void;
}

export interface PackageResult {
  out: string;
  files: number;
  bytes: number;
  goVersion: string;
  nodeVersion: string;
  warnings: string[];
}

const TEMPLATES = path.join(REPO_ROOT, 'packaging', 'gradescope');

export async function packageGradescope(opts: PackageOptions): Promise<PackageResult> {
  const log = opts.log ?? (() => undefined);
  const warnings: string[] = [];
  const loaded = await loadManifest(opts.project);
  warnings.push(...loaded.warnings);
  const manifest = loaded.manifest;
  const goVersion = opts.goVersion ?? (await findGo()).version.replace(/^go/, '');
  const minimum = await minimumGo(manifest.go.version ?? '1.21');
  if (compareVersions(goVersion, minimum) < 0) {
    throw new DsgradeError('USAGE', `Go ${goVersion} is too old for this autograder: it needs Go ${minimum} or later`, {
      fix: `pass --go-version ${minimum}.0 or later (the project asks for ${manifest.go.version ?? 'any'}; dsgrade's harness needs ${minimum})`,
    });
  }
  const nodeVersion = opts.nodeVersion ?? (process.versions.node.startsWith('20.') ? process.versions.node : '20.19.0');

  const stage = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-package-'));
  try {
    log('staging dsgrade');
    const dsgrade = path.join(stage, 'dsgrade');
    await stageDsgrade(dsgrade, log, warnings);
    log(`staging the project ${manifest.name}`);
    await stageProject(manifest, path.join(stage, 'project'));
    for (const f of ['setup.sh', 'run_autograder']) await fs.copyFile(path.join(TEMPLATES, f), path.join(stage, f));
    await fs.writeFile(
      path.join(stage, 'autograder.env'),
      [
        `# Written by dsgrade package gradescope (dsgrade ${await dsgradeVersion()}) for ${manifest.name}.`,
        `GO_VERSION=${goVersion}`,
        `NODE_VERSION=${nodeVersion}`,
        `SANDBOX_BASE_UID=${opts.baseUid ?? DEFAULT_BASE_UID}`,
        `SANDBOX_SLOTS=${opts.slots ?? 8}`,
        `BUDGET_SEC=${opts.budgetSec ?? DEFAULT_BUDGET_SEC}`,
        '',
      ].join('\n'),
    );
    log(`writing ${opts.out}`);
    const { files, bytes } = await writeZip(stage, opts.out);
    return { out: path.resolve(opts.out), files, bytes, goVersion, nodeVersion, warnings };
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}

/**
 * stageProject copies the project folder into a package. Every folder the manifest names must be
 * inside it: a package holds the project folder only, so a starter beside it (as `dsgrade init -o
 * elsewhere/dsgrade.json` can write) would be missing on the grading host.
 */
export async function stageProject(manifest: Manifest, dest: string): Promise<void> {
  const named: [string, string | undefined][] = [
    ['starter', manifest.starter],
    ['staff', manifest.staff],
    ['reference', manifest.reference],
    ...manifest.mutants.map((m): [string, string | undefined] => [`mutant ${m.name}`, m.path ?? m.patch]),
    ...manifest.suites.flatMap((s) => (s.kind === 'studenttests' ? s.buggy.map((b): [string, string] => [`buggy ${b.name}`, b.file]) : [])),
  ];
  const outside = named.filter(([, p]) => p !== undefined && path.relative(manifest.dir, p).startsWith('..'));
  if (outside.length > 0) {
    throw new DsgradeError('USAGE', `the project is not self-contained: ${outside.map(([what, p]) => `${what} ${p}`).join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside ${manifest.dir}`, {
      file: manifest.file,
      fix: 'a package holds the project folder only: put dsgrade.json in a folder that holds the starter, staff and reference (e.g. dsgrade init course -o dsgrade.json from the folder above course/)',
    });
  }
  await fs.cp(manifest.dir, dest, { recursive: true, filter: (src) => !/(^|\/)(node_modules|\.git|dsgrade-artifacts)$/.test(src) });
}

/** dsgrade as an installed package: compiled JavaScript, runtime files, production dependencies (also used by the Autolab and PrairieLearn packages). */
export async function stageDsgrade(dest: string, log: (line: string) => void, warnings: string[]): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  const pkg = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  delete pkg.devDependencies;
  delete pkg.scripts;
  await fs.writeFile(path.join(dest, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  await fs.cp(path.join(REPO_ROOT, 'bin'), path.join(dest, 'bin'), { recursive: true });
  await fs.cp(path.join(REPO_ROOT, 'schemas'), path.join(dest, 'schemas'), { recursive: true });
  // The Go harness: sources only (built on the grading machine, once per content hash).
  await fs.cp(path.join(REPO_ROOT, 'harness'), path.join(dest, 'harness'), {
    recursive: true,
    filter: (src) => !src.endsWith('_test.go') && !/\/testdata(\/|$)/.test(src),
  });
  await compileDist(path.join(dest, 'dist'), log, warnings);
  await copyProductionModules(path.join(dest, 'node_modules'), log);
}

/** A fresh build of src/ when this is a source checkout with TypeScript; else the existing dist/. */
async function compileDist(out: string, log: (line: string) => void, warnings: string[]): Promise<void> {
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const haveSources = await exists(path.join(REPO_ROOT, 'src')) && (await exists(tsc));
  if (!haveSources) {
    await fs.cp(path.join(REPO_ROOT, 'dist'), out, { recursive: true });
    return;
  }
  log('compiling dsgrade (tsc)');
  const r = await execa(process.execPath, [tsc, '-p', path.join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', out, '--sourceMap', 'false'], { reject: false, cwd: REPO_ROOT });
  if (!(await exists(path.join(out, 'cli', 'main.js')))) {
    throw new DsgradeError('TOOL_FAILED', 'could not compile dsgrade for the package', { fix: 'run npm run build and read the errors', cause: new Error(r.stdout + r.stderr) });
  }
  if (r.exitCode !== 0) warnings.push(`tsc reported type errors (the JavaScript was emitted anyway):\n${r.stdout.split('\n').slice(0, 10).join('\n')}`);
}

/** The production dependency closure (npm ls --omit=dev), copied from this checkout's node_modules. */
async function copyProductionModules(dest: string, log: (line: string) => void): Promise<void> {
  const modules = path.join(REPO_ROOT, 'node_modules');
  let dirs: string[];
  try {
    const { stdout } = await execa('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO_ROOT, reject: false });
    dirs = stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith(`${modules}${path.sep}`));
  } catch {
    dirs = [];
  }
  if (dirs.length === 0) {
    log('npm ls found nothing: copying all of node_modules');
    await fs.cp(modules, dest, { recursive: true });
    return;
  }
  dirs.sort();
  const copied: string[] = [];
  for (const dir of dirs) {
    if (copied.some((c) => dir.startsWith(`${c}${path.sep}`))) continue;
    await fs.cp(dir, path.join(dest, path.relative(modules, dir)), { recursive: true });
    copied.push(dir);
  }
  log(`copied ${copied.length} production packages`);
}

async function writeZip(stage: string, out: string): Promise<{ files: number; bytes: number }> {
  const zip = new yazl.ZipFile();
  const files = await listFiles(stage);
  // setup.sh and run_autograder first, then everything else in order.
  const order = ['setup.sh', 'run_autograder', 'autograder.env'];
  files.sort((a, b) => (order.includes(a) ? order.indexOf(a) : 99) - (order.includes(b) ? order.indexOf(b) : 99) || a.localeCompare(b));
  for (const f of files) {
    const st = await fs.stat(path.join(stage, f));
    zip.addFile(path.join(stage, f), f, { mode: st.mode & 0o111 ? 0o100755 : 0o100644, mtime: new Date(0) });
  }
  await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const stream = createWriteStream(out);
    zip.outputStream.pipe(stream).on('close', resolve).on('error', reject);
    zip.outputStream.on('error', reject);
    zip.end();
  });
  return { files: files.length, bytes: (await fs.stat(out)).size };
}

/** The newest of the project's `go.version` and the `go` line of dsgrade's harness/go.mod. */
export async function minimumGo(projectVersion: string): Promise<string> {
  const mod = await fs.readFile(path.join(REPO_ROOT, 'harness', 'go.mod'), 'utf8');
  const harness = /^go\s+(\S+)/m.exec(mod)?.[1] ?? '1.21';
  return compareVersions(projectVersion, harness) >= 0 ? projectVersion : harness;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export async function dsgradeVersion(): Promise<string> {
  return (JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
