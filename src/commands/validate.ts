/** `dsgrade validate <project>`: the manifest and the files it names, without grading. */
import { EXIT } from '../cli/exit-codes.js';
import { ManifestError, isDsgradeError } from '../errors.js';
import { loadManifest } from '../manifest/load.js';
import { totalPoints } from '../manifest/rules.js';
import { processIO, type CommandIO } from './io.js';

export async function validateCommand(opts: { project: string; io?: CommandIO }): Promise<number> {
  const io = opts.io ?? processIO();
  try {
    const { manifest, warnings, staffFiles } = await loadManifest(opts.project);
    for (const w of warnings) io.stdout.write(`warning: ${w}\n`);
    const tests = manifest.suites.reduce((n, s) => n + (s.kind === 'gotest' ? s.tests.length : s.kind === 'scenario' ? s.scenarios.length : 1 + s.buggy.length), 0);
    io.stdout.write(
      `${manifest.file}: valid — ${manifest.suites.length} suite(s), ${tests} graded test(s), ${manifest.checks.length} check(s), ` +
        `${totalPoints(manifest)} points, ${staffFiles.size} staff file(s), ${manifest.references.length} reference(s), ${manifest.mutants.length} mutant(s)\n`,
    );
    return EXIT.OK;
  } catch (err) {
    if (err instanceof ManifestError || (isDsgradeError(err) && err.code.startsWith('MANIFEST'))) {
      io.stdout.write(`${err.describe()}\n`);
      return EXIT.CHECK_FAILED;
    }
    throw err;
  }
}
