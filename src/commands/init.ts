/**
 * `dsgrade init <course-tree> [--staff dir] [--reference dir] [-o dsgrade.json]`: propose a
 * manifest for a course that already has starter code and staff tests. Prints what it guessed and
 * why, and what to check by hand; writes only a manifest that loads (the loader runs on it first),
 * and never over an existing file without --force. With a reference, grades it once and sets each
 * test's time limit from its measured time.
 */
import path from 'node:path';
import { EXIT } from './exit-codes.js';
import { DsgradeError, ManifestError } from '../errors.js';
import { gatherFacts, resolveStaffDir } from '../init/facts.js';
import { findLayout } from '../init/layout.js';
import { proposeManifest, toManifestJson, type ProposeOptions, type ReportSection } from '../init/propose.js';
import { applyMeasurement, MARGIN_TEXT, MEASURE_LIMIT_SEC, measureReference } from '../init/timing.js';
import { checkManifestObject, MANIFEST_FILE, type LoadedManifest } from '../manifest/load.js';
import { REPO_ROOT, SCHEMA_DIR } from '../core/install-paths.js';
import { writeFileAtomic } from '../report/atomic-write.js';
import { formatPoints } from '../report/format.js';
import { exists, isDirectory } from '../util/fs.js';
import { processIO, type CommandIO } from './io.js';

export interface InitCommandOptions {
  tree: string;
  staff?: string;
  reference?: string;
  out?: string;
  force?: boolean;
  moduleRoot?: string;
  name?: string;
  title?: string;
  cacheDir?: string;
  seed?: number;
  io?: CommandIO;
}

export async function initCommand(opts: InitCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const log = (line: string): void => void io.stderr.write(`dsgrade: ${line}\n`);
  const outFile = await outputFile(opts.out);
  if (!opts.force && (await exists(outFile))) {
    throw new DsgradeError('INIT_OUTPUT_EXISTS', `manifest already exists: ${outFile}`, {
      file: outFile,
      fix: 'pass --force to replace it, or -o <other file> to write the proposal beside it',
    });
  }
  const layout = await findLayout(opts.tree, opts.moduleRoot);
  const staff = opts.staff ? await resolveStaffDir(opts.staff, layout) : undefined;
  if (staff?.note) log(staff.note);
  const reference = opts.reference ? path.resolve(opts.reference) : undefined;
  if (reference && !(await isDirectory(reference)) && !(await exists(reference))) {
    throw new DsgradeError('USAGE', `reference not found: ${opts.reference}`, { file: reference, fix: 'pass the folder (or .zip) of a correct submission, laid out as a student hands it in' });
  }

  const facts = await gatherFacts({ layout, ...(staff ? { staffDir: staff.dir } : {}), ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}), log });
  const proposal = proposeManifest(facts);
  if (proposal.plan.suites.length === 0) {
    const tested = facts.tests.map((t) => t.dir || '.');
    throw new DsgradeError('INIT_NO_TESTS', `no staff tests found in ${layout.treeDir}${staff ? ` or ${staff.dir}` : ''}`, {
      file: staff?.dir ?? layout.treeDir,
      fix: tested.length
        ? `the only test files (in ${tested.join(', ')}) look like students' own tests; pass the staff tests with --staff <folder>`
        : 'pass the folder with the staff tests (_test.go files, laid out like the module root) with --staff <folder>',
    });
  }
  const name = opts.name ?? defaultName(layout.treeDir);
  const proposeOpts: ProposeOptions = {
    outFile,
    name,
    title: opts.title ?? `${name} (manifest proposed by dsgrade init)`,
    ...(reference ? { reference } : {}),
    schemaFile: path.join(SCHEMA_DIR, 'manifest.schema.json'),
    // A manifest beside dsgrade's checkout points at its schema relatively; elsewhere, absolutely.
    schemaRelative: !path.relative(REPO_ROOT, outFile).startsWith('..'),
  };
  let json = toManifestJson(proposal.plan, facts, proposeOpts);
  let loaded = await loadOrExplain(json, outFile);

  const sections: ReportSection[] = [...proposal.sections];
  let referenceFailed = false;
  if (reference) {
    log(`grading the reference ${opts.reference} once to measure each test (one at a time, ${MEASURE_LIMIT_SEC} s limit each)`);
    const measured = await measureReference(loaded, reference, {
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      onResult: (r) => log(`${r.verdict.toUpperCase().padEnd(6)} ${r.id} ${(r.durationMs / 1000).toFixed(1)} s`),
    });
    const { timed, failures } = applyMeasurement(proposal.plan, measured.byId);
    const lines = [`limit = ${MARGIN_TEXT} (one measuring run, seed ${measured.report.seed}, on this machine)`];
    for (const t of timed) {
      const label = t.tests.length === 1 ? `${t.suite}/${t.tests[0]}` : `${t.suite}/${t.tests[0]}…${t.tests[t.tests.length - 1]} (${t.tests.length}, slowest)`;
      lines.push(t.timeoutSec === undefined ? `${label}: did not pass on the reference, default limit kept` : `${label}: ${(t.slowestMs! / 1000).toFixed(1)} s → timeoutSec ${t.timeoutSec}`);
    }
    sections.push({ title: 'Time limits (from the reference)', lines });
    if (failures.length > 0) {
      referenceFailed = true;
      proposal.todo.unshift(
        `the reference does not get full marks under this manifest (${formatPoints(measured.report.score)}/${formatPoints(measured.report.maxScore)}): ` +
          failures.map((f) => `${f.id} (${f.summary || f.verdict})`).join('; ') +
          ' — fix the reference or the tests, or remove those entries',
      );
    }
    json = toManifestJson(proposal.plan, facts, proposeOpts);
    loaded = await loadOrExplain(json, outFile);
  } else {
    sections.push({ title: 'Time limits', lines: ['every test gets the default limit (60 s): pass --reference <folder> to set each from a measured run'] });
  }

  const outside = [layout.treeDir, staff?.dir, reference].filter((p): p is string => p !== undefined && path.relative(path.dirname(outFile), p).startsWith('..'));
  if (outside.length) {
    proposal.todo.push(
      `${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the manifest's folder: grading works, but \`dsgrade package\` uploads the manifest's folder only — to package, write the manifest in a folder that holds them (-o <that folder>/dsgrade.json)`,
    );
  }
  io.stdout.write(renderReport(layout.treeDir, sections, proposal.todo));
  await writeFileAtomic(outFile, `${JSON.stringify(json, null, 2)}\n`);
  const summary = summarize(loaded);
  io.stdout.write(`\nwrote ${path.relative(process.cwd(), outFile) || outFile}: ${summary}\n`);
  const projectArg = path.relative(process.cwd(), path.dirname(outFile)) || '.';
  io.stdout.write(
    `next: dsgrade validate --build ${projectArg}${path.basename(outFile) === MANIFEST_FILE ? '' : `/${path.basename(outFile)}`}` +
      (reference ? `; dsgrade regress ${projectArg}` : '; dsgrade grade <a correct submission> -p ' + projectArg) +
      '\n',
  );
  return referenceFailed ? EXIT.CHECK_FAILED : EXIT.OK;
}

/** `-o` may name the file or a folder (then dsgrade.json in it); default ./dsgrade.json. */
async function outputFile(out: string | undefined): Promise<string> {
  const abs = path.resolve(out ?? MANIFEST_FILE);
  return (await isDirectory(abs)) ? path.join(abs, MANIFEST_FILE) : abs;
}

/** The tree's folder name as a manifest name (`starter` and `src` say nothing: their parent's then). */
export function defaultName(treeDir: string): string {
  let base = path.basename(treeDir);
  if (['starter', 'src', 'handout', 'code'].includes(base.toLowerCase())) base = path.basename(path.dirname(treeDir));
  const name = base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return name || 'course';
}

async function loadOrExplain(json: Record<string, unknown>, outFile: string): Promise<LoadedManifest> {
  try {
    return await checkManifestObject(json, outFile);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    const problems = err.issues.map((i) => `${i.pointer}: ${i.message}`).join('; ');
    throw new DsgradeError('INIT_MANIFEST_INVALID', `the proposed manifest does not load, so it was not written: ${problems}`, {
      file: outFile,
      fix: 'this is usually something in the tree init cannot fix itself (read each problem); please report it if the tree looks right',
      cause: err,
    });
  }
}

function summarize(loaded: LoadedManifest): string {
  const m = loaded.manifest;
  const tests = m.suites.reduce((n, s) => n + (s.kind === 'gotest' ? s.tests.length : 0), 0);
  const points = m.suites.reduce((n, s) => n + (s.kind === 'gotest' ? s.tests.reduce((k, t) => k + t.points, 0) : 0), 0);
  return `valid — ${m.suites.length} suite(s), ${tests} graded test(s), ${formatPoints(points)} points, ${m.handin.length} handin entr${m.handin.length === 1 ? 'y' : 'ies'}, ${loaded.staffFiles.size} staff file(s)`;
}

export function renderReport(treeDir: string, sections: readonly ReportSection[], todo: readonly string[]): string {
  const out = [`dsgrade init: ${treeDir}`, '', 'What init guessed, and why:'];
  for (const s of sections) {
    out.push('', `${s.title}:`);
    for (const l of s.lines) out.push(`  ${l}`);
  }
  if (todo.length) {
    out.push('', 'Check by hand (init could not infer these):');
    for (const t of todo) out.push(`  - ${t}`);
  }
  return `${out.join('\n')}\n`;
}
