/**
 * Gathering what init needs to know about a course tree: its files, the packages of the merged
 * tree (course tree + staff overlay, assembled in a temp folder), each package's staff tests as the
 * compiled package lists them, the role of every Go file, `go test -race` commands in the scripts,
 * and the seed variables the code reads. Runs the real go command (go list, go test -list).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultCacheDir, findGo } from '../go/go-env.js';
import { listPackages, listTests } from '../go/go-tool.js';
import { DsgradeError } from '../errors.js';
import { registerTempDir } from '../sandbox/interrupt.js';
import { copyTree, isDirectory, listFiles } from '../util/fs.js';
import { isIgnoredFolder, type Layout } from './layout.js';
import type { CourseFacts, PackageTests } from './propose.js';
import { findRaceCommands, isScriptFile, type RaceCommand } from './race.js';
import { classifyFile, type FileGuess } from './stubs.js';
import { testMainFiles, testsByFile } from './tests.js';

export interface GatherOptions {
  layout: Layout;
  staffDir?: string;
  cacheDir?: string;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

/** Module-relative files, without the folders the go command ignores. */
async function moduleFiles(dir: string): Promise<string[]> {
  return (await listFiles(dir)).filter((f) => !f.split('/').slice(0, -1).some(isIgnoredFolder));
}

const SEED_READ = /os\.(?:Getenv|LookupEnv)\(\s*"([A-Z_][A-Z0-9_]*SEED[A-Z0-9_]*)"\s*\)/g;

export async function gatherFacts(opts: GatherOptions): Promise<CourseFacts> {
  const log = opts.log ?? (() => undefined);
  const { layout } = opts;
  const moduleDir = path.join(layout.treeDir, layout.moduleRoot);
  const starterFiles = await moduleFiles(moduleDir);
  const staffFiles = opts.staffDir ? await moduleFiles(opts.staffDir) : [];

  const guesses: FileGuess[] = [];
  for (const f of starterFiles.filter((x) => x.endsWith('.go'))) {
    if (staffFiles.includes(f)) continue;
    guesses.push(classifyFile(f, await fs.readFile(path.join(moduleDir, f), 'utf8')));
  }

  const raceCommands: RaceCommand[] = [];
  const scanScripts = async (root: string, label: string, moduleRel: (rel: string) => string | undefined): Promise<void> => {
    for (const f of await listFiles(root)) {
      if (f.split('/').slice(0, -1).some((d) => isIgnoredFolder(d) && d !== '.github') || !isScriptFile(path.posix.basename(f))) continue;
      const text = await fs.readFile(path.join(root, f), 'utf8').catch(() => '');
      if (!/go\s+test/.test(text)) continue;
      raceCommands.push(...findRaceCommands(`${label}${f}`, text, layout.module, moduleRel(path.posix.dirname(f) === '.' ? '' : path.posix.dirname(f))));
    }
  };
  const root = layout.moduleRoot;
  await scanScripts(layout.treeDir, '', (dir) => (root === '' ? dir : dir === root ? '' : dir.startsWith(`${root}/`) ? dir.slice(root.length + 1) : undefined));
  if (opts.staffDir) await scanScripts(opts.staffDir, `${opts.staffDir}/`, (dir) => dir);

  // The merged tree: what a grading run builds before any handin file is laid on it.
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-init-'));
  const unregister = registerTempDir(work);
  try {
    const merged = path.join(work, 'module');
    await copyTree(moduleDir, merged);
    if (opts.staffDir) await copyTree(opts.staffDir, merged);
    const toolchain = await findGo();
    const tool = { toolchain, cacheDir: opts.cacheDir ?? defaultCacheDir(), moduleDir: merged, scratchDir: path.join(work, 'scratch') };
    log('go list ./...');
    const listed = await listPackages(tool);
    if (listed.packages.length === 0) {
      throw new DsgradeError('INIT_NO_MODULE', `go list found no package in ${moduleDir}`, {
        file: moduleDir,
        fix: `make sure the module builds: cd ${moduleDir} && go list ./...${listed.stderr ? ` (it said: ${listed.stderr.trim().split('\n')[0]})` : ''}`,
      });
    }
    const packages = listed.packages;
    const tests: PackageTests[] = [];
    for (const p of packages) {
      const testFiles = [...p.testGoFiles, ...p.xTestGoFiles];
      if (testFiles.length === 0) continue;
      const pkgDir = path.join(merged, ...p.dir.split('/').filter(Boolean));
      log(`go test -list ./${p.dir || '.'}`);
      const list = await listTests(p.dir, tool);
      tests.push({
        dir: p.dir,
        ...(list.ok ? { listed: list.tests } : { listError: list.detail }),
        definedIn: await testsByFile(pkgDir, testFiles),
        testMains: await testMainFiles(pkgDir, testFiles),
      });
    }
    const seedReads = new Map<string, string[]>();
    for (const p of packages) {
      const names = new Set<string>();
      for (const f of [...p.goFiles, ...p.testGoFiles, ...p.xTestGoFiles]) {
        const text = await fs.readFile(path.join(merged, ...p.dir.split('/').filter(Boolean), f), 'utf8').catch(() => '');
        for (const m of text.matchAll(SEED_READ)) if (m[1] !== 'DSGRADE_SEED') names.add(m[1]!);
      }
      if (names.size) seedReads.set(p.dir, [...names].sort());
    }
    return { layout, ...(opts.staffDir ? { staffDir: opts.staffDir } : {}), starterFiles, staffFiles, packages, guesses, tests, raceCommands, seedReads };
  } finally {
    await fs.rm(work, { recursive: true, force: true }).catch(() => undefined);
    unregister();
  }
}

/**
 * resolveStaffDir accepts the staff folder as module-relative (projects/<p>/staff) or as a whole
 * tree in the starter's layout (staff/src/github.com/cmu440/…), and returns the module-relative one.
 */
export async function resolveStaffDir(staff: string, layout: Layout): Promise<{ dir: string; note?: string }> {
  const abs = path.resolve(staff);
  if (!(await isDirectory(abs))) {
    throw new DsgradeError('USAGE', `staff folder not found: ${staff}`, { file: abs, fix: 'pass the folder with the hidden staff files (tests, drivers), laid out like the module root' });
  }
  if (layout.moduleRoot && (await isDirectory(path.join(abs, layout.moduleRoot)))) {
    return { dir: path.join(abs, layout.moduleRoot), note: `staff folder laid out like the course tree: using ${path.join(abs, layout.moduleRoot)} as the overlay of the module root` };
  }
  return { dir: abs };
}
