/**
 * The command line: declares commands and options, lazy-loads each command, prints user errors as
 * messages (not stacks) and returns the exit code. The only place that decides exit codes.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { isDsgradeError } from '../errors.js';
import { installInterruptHandlers } from '../sandbox/interrupt.js';
import { DSGRADE_VERSION } from '../version.js';
import { EXIT } from './exit-codes.js';

function int(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').filter(Boolean)];

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('dsgrade')
    .description('Autograder for Go distributed-systems course projects')
    .version(DSGRADE_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('grade')
    .description('grade one submission (a folder or a .zip) against a project')
    .argument('<submission>', 'folder or .zip handed in by the student')
    .requiredOption('-p, --project <dir>', 'project folder containing dsgrade.json')
    .option('-o, --out <file>', 'write Gradescope results.json here')
    .option('--junit <file>', 'write JUnit XML here')
    .option('-j, --jobs <n>', 'tests run at once (default: half the CPU cores, at least 1)', int('--jobs', 1))
    .option('--seed <n>', 'seed for every random choice (printed in every report)', int('--seed', 0))
    .option('--only <ids>', 'grade only these test ids, suites or globs (comma-separated, repeatable)', collect)
    .option('--cache-dir <dir>', 'build cache folder (default: ~/.cache/dsgrade)')
    .option('--keep-work', 'keep the work folder (trees, binaries, scratch) for debugging')
    .option('--artifacts [dir]', 'keep scenario artifacts (node output, proxy trace, timeline) in dir (default: ./dsgrade-artifacts/<project>/<time>)')
    .option('--json', 'print the full report as JSON instead of the table')
    .option('--no-color', 'no colours in the table')
    .addHelpText(
      'after',
      `
Examples:
  $ dsgrade grade projects/p0-kvserver/reference --project projects/p0-kvserver --out results.json
  $ dsgrade grade handin.zip -p projects/p0-kvserver --only partA/TestBasic1 --seed 42
  $ dsgrade grade handin.zip -p projects/p0-kvserver --junit junit.xml --jobs 1`,
    )
    .action(async (submission: string, opts) => {
      const { gradeCommand } = await import('../commands/grade.js');
      setExit(await gradeCommand({ submission, ...opts }));
    });

  program
    .command('validate')
    .description('check a project manifest and its files without grading anything')
    .argument('<project>', 'project folder (or its dsgrade.json)')
    .addHelpText('after', '\nExample:\n  $ dsgrade validate projects/p0-kvserver')
    .action(async (project: string) => {
      const { validateCommand } = await import('../commands/validate.js');
      setExit(await validateCommand({ project }));
    });

  program
    .command('regress')
    .description("grade the project's reference and every mutant; fail on any score that differs from the expected one")
    .argument('<project>', 'project folder')
    .option('-j, --jobs <n>', 'tests run at once within one submission', int('--jobs', 1))
    .option('--seed <n>', 'seed for every random choice', int('--seed', 0))
    .option('--mutant <names>', 'only these mutants (comma-separated, repeatable); "none" for the reference only', collect)
    .option('--quick', 'reference in full; for each mutant only the tests meant to catch it (its "catchers")')
    .option('--cache-dir <dir>', 'build cache folder')
    .option('--no-color', 'no colours')
    .addHelpText('after', '\nExamples:\n  $ dsgrade regress projects/p0-kvserver\n  $ dsgrade regress projects/p0-kvserver --quick --mutant map-race')
    .action(async (project: string, opts) => {
      const { regressCommand } = await import('../commands/regress.js');
      setExit(await regressCommand({ project, ...opts }));
    });

  program
    .command('gradescope')
    .description("Gradescope entrypoint: grade <root>/submission, always write <root>/results/results.json")
    .option('--root <dir>', "Gradescope's root folder", '/autograder')
    .option('-p, --project <dir>', 'project folder (default: <root>/source/project)')
    .option('--budget-sec <n>', 'write results after this many seconds even if grading is unfinished (default 540, or $DSGRADE_BUDGET_SEC)', int('--budget-sec', 1))
    .option('-j, --jobs <n>', 'tests run at once', int('--jobs', 1))
    .option('--seed <n>', 'seed for every random choice', int('--seed', 0))
    .option('--cache-dir <dir>', 'build cache folder')
    .addHelpText('after', '\nExample (run_autograder):\n  $ dsgrade gradescope --root /autograder')
    .action(async (opts) => {
      const { gradescopeCommand } = await import('../commands/gradescope.js');
      setExit(await gradescopeCommand(opts));
    });

  program.addHelpText(
    'after',
    `
Exit codes:
  0    graded / manifest valid / regression matched
  1    validate found problems, or regress found a mismatch
  2    bad input: usage, project manifest, submission path, Go toolchain missing
  3    internal error in dsgrade (please report it)
  130  interrupted (every process dsgrade started has been killed)`,
  );
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  // `dsgrade … | head` closes the pipe early: that is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  installInterruptHandlers((signal, cleaned) => {
    process.stderr.write(`\ndsgrade: ${signal}: stopped ${cleaned.groups} process group(s), removed ${cleaned.folders} work folder(s)\n`);
  });
  let code: number = EXIT.OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors were already printed.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    if (isDsgradeError(err)) {
      process.stderr.write(`dsgrade: ${err.describe()}\n`);
      return err.code === 'INTERNAL' ? EXIT.INTERNAL : EXIT.USAGE;
    }
    process.stderr.write(`dsgrade: internal error — this is a bug in dsgrade, please report it with the output below.\n${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.INTERNAL;
  }
}
