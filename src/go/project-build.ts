/**
 * `dsgrade validate --build`: a project's trees compiled for real, so a broken tree is found before
 * grading time. For the starter with the staff files on it, and for the reference laid on that
 * (through intake, as a submission), it runs `go build ./...`, lists each gotest suite's tests from
 * the compiled package (`go test -list`) against what the manifest grades, compiles each
 * studenttests variant (a buggy implementation that does not compile would be "caught" by every
 * student) and builds every scenario program. Plain data out; the command prints.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultCacheDir, findGo } from './go-env.js';
import { listTests, runGoTool, type GoToolOptions } from './go-tool.js';
import { assembleTree } from './worktree.js';
import { intakeSubmission } from '../intake/intake.js';
import type { LoadedManifest } from '../manifest/load.js';
import { registerTempDir } from '../sandbox/interrupt.js';

export interface TreeBuildReport {
  /** "starter + staff" or "starter + staff + reference". */
  label: string;
  /** What was checked and found, one line each. */
  lines: string[];
  /** What is broken, one line each (with the compiler's first lines). */
  problems: string[];
}

export interface BuildOptions {
  cacheDir?: string;
  log?: (line: string) => void;
}

/** checkBuild compiles the project's trees and lists the tests found per suite. */
export async function checkBuild(loaded: LoadedManifest, opts: BuildOptions = {}): Promise<TreeBuildReport[]> {
  const m = loaded.manifest;
  const toolchain = await findGo();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), `dsgrade-validate-${m.name}-`));
  const unregister = registerTempDir(work);
  try {
    const reports: TreeBuildReport[] = [];
    const starter = await assembleTree(m, [], path.join(work, 'starter'));
    reports.push(await checkTree('starter + staff', starter.moduleDir, loaded, { toolchain, cacheDir: opts.cacheDir ?? defaultCacheDir(), moduleDir: starter.moduleDir, scratchDir: path.join(work, 'scratch'), allowDownloads: m.go.allowDownloads }, opts));
    if (m.reference) {
      const intake = await intakeSubmission(m.reference, { handin: m.handin, staffFiles: loaded.staffFiles, tmpRoot: work });
      try {
        const tree = await assembleTree(m, intake.files, path.join(work, 'reference'));
        const report = await checkTree('starter + staff + reference', tree.moduleDir, loaded, { toolchain, cacheDir: opts.cacheDir ?? defaultCacheDir(), moduleDir: tree.moduleDir, scratchDir: path.join(work, 'scratch'), allowDownloads: m.go.allowDownloads }, opts);
        if (intake.missing.length) report.problems.unshift(`the reference lacks required handin files: ${intake.missing.join(', ')}`);
        report.lines.unshift(`reference: ${intake.files.length} handin file(s) taken from ${path.relative(m.dir, m.reference) || '.'}`);
        reports.push(report);
      } finally {
        await intake.cleanup();
      }
    }
    return reports;
  } finally {
    await fs.rm(work, { recursive: true, force: true }).catch(() => undefined);
    unregister();
  }
}

async function checkTree(label: string, moduleDir: string, loaded: LoadedManifest, tool: GoToolOptions, opts: BuildOptions): Promise<TreeBuildReport> {
  const m = loaded.manifest;
  const lines: string[] = [];
  const problems: string[] = [];
  const log = opts.log ?? (() => undefined);
  const timeoutMs = m.go.buildTimeoutSec * 1000;

  log(`${label}: go build ./...`);
  const build = await runGoTool(['build', './...'], { ...tool, timeoutMs });
  if (build.ok) lines.push('go build ./...: ok');
  else problems.push(`go build ./... fails: ${firstLines(build.stderr || build.stdout, 6)}`);

  for (const s of m.suites) {
    if (s.kind === 'gotest') {
      log(`${label}: go test -list ./${s.package}`);
      const listed = await listTests(s.package, { ...tool, timeoutMs });
      if (!listed.ok) {
        problems.push(`suite ${s.id}: the tests of ${s.package} do not compile: ${firstLines(listed.detail, 6)}`);
        continue;
      }
      const graded = s.tests.map((t) => t.name);
      const absent = graded.filter((n) => !listed.tests.includes(n));
      // A package may be split over several suites (checkpoint, final): "not graded" means by none of them.
      const gradedInPackage = m.suites.flatMap((x) => (x.kind === 'gotest' && x.package === s.package ? x.tests.map((t) => t.name) : []));
      const ungraded = listed.tests.filter((n) => !gradedInPackage.includes(n));
      lines.push(`suite ${s.id} (package ${s.package}): compiles; go test -list finds ${listed.tests.length} test(s), the manifest grades ${graded.length - absent.length}${ungraded.length ? `; graded by no suite: ${listShort(ungraded)}` : ''}`);
      if (absent.length) problems.push(`suite ${s.id}: graded but not in the compiled package (build constraints? a handin file?): ${listShort(absent)}`);
      if (s.tests.some((t) => t.race)) {
        const race = await listTests(s.package, { ...tool, timeoutMs, race: true });
        if (race.ok) lines.push(`suite ${s.id}: compiles with -race`);
        else problems.push(`suite ${s.id}: the tests of ${s.package} do not compile with -race (a C compiler is needed): ${firstLines(race.detail, 4)}`);
      }
    } else if (s.kind === 'studenttests') {
      const listed = await listTests(s.package, { ...tool, timeoutMs });
      if (listed.ok) lines.push(`suite ${s.id} (package ${s.package}): compiles with the correct implementation; ${s.testFile} defines ${listed.tests.length} test(s) here`);
      else problems.push(`suite ${s.id}: ${s.package} with ${s.testFile} does not compile: ${firstLines(listed.detail, 6)}`);
      const impl = path.join(moduleDir, ...s.implFile.split('/'));
      const original = await fs.readFile(impl);
      try {
        for (const b of s.buggy) {
          await fs.copyFile(b.file, impl);
          const variant = await listTests(s.package, { ...tool, timeoutMs });
          if (variant.ok) lines.push(`suite ${s.id}: buggy variant ${b.name} compiles`);
          else problems.push(`suite ${s.id}: buggy variant ${b.name} (${path.relative(m.dir, b.file)}) does not compile in place of ${s.implFile}: ${firstLines(variant.detail, 4)}`);
        }
      } finally {
        await fs.writeFile(impl, original);
      }
    } else {
      for (const [name, program] of Object.entries(s.programs)) {
        log(`${label}: go build ./${program.package}`);
        const r = await runGoTool(['build', ...(program.race ? ['-race'] : []), '-o', path.join(tool.scratchDir, 'programs', name), `./${program.package}`], { ...tool, timeoutMs, cgo: program.race });
        if (r.ok) lines.push(`suite ${s.id}: program ${name} (${program.package}${program.race ? ', -race' : ''}) builds`);
        else problems.push(`suite ${s.id}: program ${name} (${program.package}) does not build: ${firstLines(r.stderr || r.stdout, 6)}`);
      }
    }
  }
  return { label, lines, problems };
}

function firstLines(text: string, n: number): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter(Boolean);
  return lines.slice(0, n).join(' | ') + (lines.length > n ? ` | … (${lines.length - n} more lines)` : '');
}

function listShort(items: readonly string[], max = 8): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');
}
