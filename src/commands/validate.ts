/** `dsgrade validate <project>`: the manifest and the files it names, without grading. */
import { EXIT } from './exit-codes.js';
import { ManifestError, isDsgradeError } from '../errors.js';
import { baseImageHint, goVersionDifference } from '../go/go-version.js';
import { findGo } from '../go/go-env.js';
import { loadManifest } from '../manifest/load.js';
import { checkBuild } from '../go/project-build.js';
import { totalPoints } from '../manifest/rules.js';
import { describeGatePolicy } from '../gate/policy.js';
import { processIO, type CommandIO } from './io.js';

/**
 * Which Go would grade locally, against the course's: a note (not a problem) when major.minor differ.
 * No Go on this machine is no reason to fail validation: the note says so instead.
 */
async function writeGoVersionNote(io: CommandIO, course: string | undefined, override: string | undefined): Promise<void> {
  if (course === undefined) return;
  let building = override;
  if (building === undefined) {
    try {
      building = (await findGo()).version;
    } catch {
      io.stdout.write(`note: no Go toolchain found here; this course uses Go ${course}\n`);
      return;
    }
  }
  const d = goVersionDifference(course, building);
  if (!d) return;
  io.stdout.write(
    `note: local grading builds with ${d.building}, this course uses Go ${d.course} (go.version)${d.older ? ': an older Go may not build the course\'s code' : '; a newer Go builds older code, so this is informational'}. ` +
      `To grade with the course's exact Go: ${baseImageHint(d.course)} (docs/docker.md).\n`,
  );
}

export interface ValidateCommandOptions {
  project: string;
  /** Also compile starter + staff (+ reference) and list the tests found per suite. */
  build?: boolean;
  cacheDir?: string;
  io?: CommandIO;
  goVersion?: string;
}

export async function validateCommand(opts: ValidateCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  let loaded;
  try {
    loaded = await loadManifest(opts.project);
    const { manifest, warnings, staffFiles } = loaded;
    for (const w of warnings) io.stdout.write(`warning: ${w}\n`);
    const tests = manifest.suites.reduce((n, s) => n + (s.kind === 'gotest' ? s.tests.length : s.kind === 'scenario' ? s.scenarios.length : 1 + s.buggy.length), 0);
    io.stdout.write(
      `${manifest.file}: valid — ${manifest.suites.length} suite(s), ${tests} graded test(s), ${manifest.checks.length} check(s), ` +
        `${totalPoints(manifest)} points, ${staffFiles.size} staff file(s), ${manifest.references.length} reference(s), ${manifest.mutants.length} mutant(s)\n`,
    );
    io.stdout.write(`${describeGatePolicy(manifest.gate)}\n`);
    await writeGoVersionNote(io, manifest.go.version, opts.goVersion);
  } catch (err) {
    if (err instanceof ManifestError || (isDsgradeError(err) && err.code.startsWith('MANIFEST'))) {
      io.stdout.write(`${err.describe()}\n`);
      return EXIT.CHECK_FAILED;
    }
    throw err;
  }
  if (!opts.build) return EXIT.OK;
  const reports = await checkBuild(loaded, { ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}), log: (line) => io.stderr.write(`dsgrade: ${line}\n`) });
  let problems = 0;
  for (const r of reports) {
    io.stdout.write(`\n${r.label}:\n`);
    for (const l of r.lines) io.stdout.write(`  ${l}\n`);
    for (const p of r.problems) io.stdout.write(`  problem: ${p}\n`);
    problems += r.problems.length;
  }
  io.stdout.write(problems ? `\n${problems} build problem${problems === 1 ? '' : 's'}: fix them before grading (students would lose points to them)\n` : '\nbuild: ok\n');
  return problems ? EXIT.CHECK_FAILED : EXIT.OK;
}
