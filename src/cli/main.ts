/**
 * The command line: declares commands and options, lazy-loads each command, prints user errors as
 * messages (not stacks) and returns the exit code. The only place that decides exit codes.
 *
 * Over 300 lines on purpose: it is the declaration of every command and option, one flat list a reader scans; the work is in src/commands.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isDsgradeError } from '../errors.js';
import { installInterruptHandlers } from '../sandbox/interrupt.js';
import type { JailConfig } from '../sandbox/jail-config.js';
import { DSGRADE_VERSION } from '../version.js';
import { EXIT, exitCodeFor } from '../commands/exit-codes.js';
import { MAX_SEED, MAX_TIMER_SEC } from '../util/limits.js';

function int(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

/**
 * `--seed`: decimal digits only, 0…MAX_SEED, so the number printed in every report replays
 * exactly (a seed beyond 2^53 would become 1e+23 in JSON; "0x10" or "1e3" would print differently).
 */
export function parseSeed(value: string): number {
  const n = /^\d{1,10}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n > MAX_SEED) throw new InvalidArgumentError(`--seed must be a whole number from 0 to ${MAX_SEED} (got ${value})`);
  return n;
}

/** Seconds for a timer: Node's timers hold at most 2^31 − 1 ms (24.8 days); longer values fire at once. */
function seconds(name: string, max: number) {
  const parse = int(name, 1);
  return (value: string): number => {
    const n = parse(value);
    if (n > max) throw new InvalidArgumentError(`${name} must be at most ${max} s (got ${value})`);
    return n;
  };
}

/** `--cpus`: a positive number of CPUs, fractions allowed (Docker's --cpus). */
function cpus(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1024) throw new InvalidArgumentError(`--cpus must be a positive number, e.g. 0.5 (got ${value})`);
  return n;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').filter(Boolean)];

function backendOption(): Option {
  return new Option('--backend <kind>', 'where builds and student code run: this machine, or Docker containers (docs/docker.md)').choices(['local', 'docker']).default('local');
}

/**
 * The jail's settings for a grading command: DSGRADE_SANDBOX* with `--sandbox-user` over
 * DSGRADE_SANDBOX_USER, passed down as a value (src/sandbox/jail-config.ts).
 */
async function jailOption(opts: { sandboxUser?: string }): Promise<{ jail: JailConfig }> {
  const { jailConfigFromEnv } = await import('../sandbox/jail-config.js');
  return { jail: jailConfigFromEnv(process.env, opts.sandboxUser ? { user: opts.sandboxUser } : {}) };
}

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
    .option('-o, --out <file>', 'write Gradescope results.json here (same as --out-gradescope)')
    .option('--out-gradescope <file>', 'write Gradescope results.json here')
    .option('--out-prairielearn <file>', 'write PrairieLearn results.json here (docs/prairielearn.md)')
    .option('--out-autolab <file>', 'write Autolab\'s score line here; "-" prints it as the last line of stdout (docs/autolab.md)')
    .option('--junit <file>', 'write JUnit XML here (same as --out-junit)')
    .option('--out-junit <file>', 'write JUnit XML here')
    .option('-j, --jobs <n>', 'most tests at once (default: as many as the cores and the tests\' CPU use allow, docs/scheduling.md)', int('--jobs', 1))
    .option('--seed <n>', 'seed for every random choice (printed in every report)', parseSeed)
    .option('--only <ids>', 'grade only these test ids, suites or globs (comma-separated, repeatable)', collect)
    .option('--cache-dir <dir>', 'build cache folder (default: ~/.cache/dsgrade)')
    .option('--keep-work', 'keep the work folder (trees, binaries, scratch) for debugging')
    .option('--artifacts [dir]', 'keep scenario artifacts (node output, proxy trace, timeline) in dir (default: ./dsgrade-artifacts/<project>/<time>)')
    .addOption(backendOption())
    .option('--base-image <ref>', 'Docker: build and run in this local image that has Go (e.g. golang:1.23) instead of the images dsgrade builds')
    .option('--cpus <n>', "Docker: CPUs of dsgrade's containers (default: $DSGRADE_DOCKER_CPUS, else every core; Gradescope gives 0.5)", cpus)
    .option('--json', 'print the full report as JSON instead of the table')
    .option('--sandbox-user <user>', 'as root: build and run student code as this user (name or uid; run slots use the next uids); default 61000, or $DSGRADE_SANDBOX_USER')
    .option('--no-color', 'no colours in the table')
    .addHelpText(
      'after',
      `
Examples:
  $ dsgrade grade projects/p0-kvserver/reference --project projects/p0-kvserver --out results.json
  $ dsgrade grade handin.zip -p projects/p0-kvserver --only partA/TestBasic1 --seed 42
  $ dsgrade grade handin.zip -p projects/p0-kvserver --junit junit.xml --jobs 1
  $ dsgrade grade handin.zip -p projects/p0-kvserver --out-gradescope gs.json --out-prairielearn pl.json --out-autolab autolab.json --out-junit junit.xml`,
    )
    .action(async (submission: string, opts) => {
      const { gradeCommand } = await import('../commands/grade.js');
      setExit(await gradeCommand({ submission, ...opts, ...(await jailOption(opts)) }));
    });

  program
    .command('init')
    .description('propose a manifest for an existing course tree (starter code + staff tests): prints what it guessed and why')
    .argument('<course-tree>', 'the tree students receive (module or GOPATH layout), with the staff tests in it or apart (--staff)')
    .option('--staff <dir>', 'hidden staff files (tests, drivers), laid out like the module root')
    .option('--reference <dir>', 'a correct submission: graded once to set each test\'s time limit from its measured time')
    .option('-o, --out <file>', 'the manifest to write (a folder: dsgrade.json in it)', 'dsgrade.json')
    .option('--force', 'replace an existing manifest')
    .option('--module-root <dir>', 'the folder of go.mod inside the tree, when it has several')
    .option('--name <name>', 'the project name (default: from the tree\'s folder name)')
    .option('--title <title>', 'the project title')
    .option('--seed <n>', 'seed of the measuring run (with --reference)', int('--seed', 0))
    .option('--cache-dir <dir>', 'build cache folder')
    .addHelpText(
      'after',
      `
Exit code 1 when the reference does not get full marks under the proposed manifest (it is written anyway).

Examples:
  $ dsgrade init course/ -o course-grading/dsgrade.json
  $ dsgrade init p1/starter --staff p1/staff --reference p1/solution -o p1/dsgrade.json`,
    )
    .action(async (tree: string, opts) => {
      const { initCommand } = await import('../commands/init.js');
      setExit(await initCommand({ tree, ...opts }));
    });

  program
    .command('validate')
    .description('check a project manifest and its files without grading anything')
    .argument('<project>', 'project folder (or its dsgrade.json)')
    .option('--build', 'also compile starter + staff (and the reference on them) and list the tests found per suite')
    .option('--cache-dir <dir>', 'build cache folder (with --build)')
    .addHelpText('after', '\nExamples:\n  $ dsgrade validate projects/p0-kvserver\n  $ dsgrade validate --build projects/p1-lsp')
    .action(async (project: string, opts: { build?: boolean; cacheDir?: string }) => {
      const { validateCommand } = await import('../commands/validate.js');
      setExit(await validateCommand({ project, ...opts }));
    });

  program
    .command('regress')
    .description("grade the project's references and every mutant; fail on any score that differs from the expected one")
    .argument('<project>', 'project folder')
    .option('-j, --jobs <n>', 'most tests at once within one submission (default: CPU-aware, docs/scheduling.md)', int('--jobs', 1))
    .option('--seed <n>', 'seed for every random choice', parseSeed)
    .option('--mutant <names>', 'only these mutants (comma-separated, repeatable); "none" for the references only', collect)
    .option('--quick', 'every reference in full; for each mutant only the tests meant to catch it (its "catchers")')
    .option('--stability <runs>', 'also grade every reference this many times with different seeds; every test must pass every run', int('--stability', 2))
    .option('--cache-dir <dir>', 'build cache folder')
    .addOption(backendOption())
    .option('--base-image <ref>', 'Docker: build and run in this local image that has Go instead of the images dsgrade builds')
    .option('--cpus <n>', "Docker: CPUs of dsgrade's containers (default: $DSGRADE_DOCKER_CPUS, else every core; Gradescope gives 0.5)", cpus)
    .option('--no-color', 'no colours')
    .addHelpText('after', '\nExamples:\n  $ dsgrade regress projects/p0-kvserver\n  $ dsgrade regress projects/p0-kvserver --quick --mutant map-race')
    .action(async (project: string, opts) => {
      const { regressCommand } = await import('../commands/regress.js');
      setExit(await regressCommand({ project, ...opts }));
    });

  program
    .command('profile')
    .description("grade the project's reference and write what each test costs (wall time, CPU rate, peak memory) to <project>/timings.json, which the CPU-aware scheduler reads (docs/scheduling.md)")
    .argument('<project>', 'project folder')
    .option('--reference <name>', 'the reference to profile (default: the first)')
    .option('-n, --runs <n>', 'grades to take the figures from: median wall time, highest CPU rate and memory', int('--runs', 1))
    .option('-j, --jobs <n>', 'tests at once while profiling (default 1: each alone, so the figures are its own)', int('--jobs', 1))
    .option('--seed <n>', 'seed of the first grade; grade i uses seed+i', parseSeed)
    .option('-o, --out <file>', 'write here instead of <project>/timings.json')
    .option('--dry-run', 'measure and print, write nothing')
    .option('--cache-dir <dir>', 'build cache folder')
    .addOption(backendOption())
    .option('--base-image <ref>', 'Docker: build and run in this local image that has Go instead of the images dsgrade builds')
    .option('--cpus <n>', "Docker: CPUs of dsgrade's containers (default: $DSGRADE_DOCKER_CPUS, else every core; Gradescope gives 0.5)", cpus)
    .addHelpText('after', '\nExamples:\n  $ dsgrade profile projects/p1-lsp\n  $ dsgrade profile projects/p0-kvserver --runs 3')
    .action(async (project: string, opts) => {
      const { profileCommand } = await import('../commands/profile.js');
      setExit(await profileCommand({ project, ...opts }));
    });

  program
    .command('gradescope')
    .description("Gradescope entrypoint: grade <root>/submission, always write <root>/results/results.json")
    .option('--root <dir>', "Gradescope's root folder", '/autograder')
    .option('-p, --project <dir>', 'project folder (default: <root>/source/project)')
    .option('--budget-sec <n>', 'write results after this many seconds even if grading is unfinished (default 540, or $DSGRADE_BUDGET_SEC)', seconds('--budget-sec', MAX_TIMER_SEC))
    .option('-j, --jobs <n>', 'tests run at once', int('--jobs', 1))
    .option('--seed <n>', 'seed for every random choice', parseSeed)
    .option('--cache-dir <dir>', 'build cache folder')
    .option('--sandbox-user <user>', 'as root: build and run student code as this user (name or uid; run slots use the next uids); default 61000, or $DSGRADE_SANDBOX_USER')
    .addHelpText('after', '\nExample (run_autograder):\n  $ dsgrade gradescope --root /autograder')
    .action(async (opts) => {
      const { gradescopeCommand } = await import('../commands/gradescope.js');
      setExit(await gradescopeCommand({ ...opts, ...(await jailOption(opts)) }));
    });

  program
    .command('prairielearn')
    .description('PrairieLearn external-grader entrypoint: grade <root>/student, always write <root>/results/results.json (gradable: false when dsgrade cannot grade)')
    .option('--root <dir>', "PrairieLearn's mount folder", '/grade')
    .option('-p, --project <dir>', 'project folder (default: <root>/tests, the question\'s tests/ folder)')
    .option('--budget-sec <n>', 'write results after this many seconds even if grading is unfinished (default 540, or $DSGRADE_BUDGET_SEC); keep it below the question\'s timeout', int('--budget-sec', 1))
    .option('-j, --jobs <n>', 'tests run at once', int('--jobs', 1))
    .option('--seed <n>', 'seed for every random choice', int('--seed', 0))
    .option('--cache-dir <dir>', 'build cache folder')
    .option('--sandbox-user <user>', 'as root: build and run student code as this user (name or uid); default 61000, or $DSGRADE_SANDBOX_USER')
    .addHelpText('after', '\nExample (the image\'s entrypoint):\n  $ dsgrade prairielearn --root /grade')
    .action(async (opts) => {
      const { prairielearnCommand } = await import('../commands/prairielearn.js');
      setExit(await prairielearnCommand({ ...opts, ...(await jailOption(opts)) }));
    });

  program
    .command('autolab')
    .description('Autolab entrypoint: grade the handin file, print the feedback and, as the last line, the JSON scores Autolab reads')
    .argument('<handin>', 'the handin file Autolab copied in (handin.tar, handin.zip, a .go file) or a folder')
    .requiredOption('-p, --project <dir>', 'project folder containing dsgrade.json')
    .option('--budget-sec <n>', 'print the scores after this many seconds even if grading is unfinished (default 540, or $DSGRADE_BUDGET_SEC); keep it below the lab\'s timeout', int('--budget-sec', 1))
    .option('-j, --jobs <n>', 'tests run at once', int('--jobs', 1))
    .option('--seed <n>', 'seed for every random choice', int('--seed', 0))
    .option('--cache-dir <dir>', 'build cache folder')
    .option('--sandbox-user <user>', 'as root: build and run student code as this user (name or uid); default 61000, or $DSGRADE_SANDBOX_USER')
    .addHelpText('after', '\nExample (the autograde Makefile):\n  $ dsgrade autolab handin.tar --project dsgrade-autolab/project')
    .action(async (handin: string, opts) => {
      const { autolabCommand } = await import('../commands/autolab.js');
      setExit(await autolabCommand({ handin, ...opts, ...(await jailOption(opts)) }));
    });

  program
    .command('batch')
    .description('grade every submission of a class and write a class summary (CSV, HTML)')
    .argument('<submissions>', 'folder of submissions (folders or .zip files), or a Gradescope export (folder or .zip with submission_metadata.yml)')
    .requiredOption('-p, --project <dir>', 'project folder containing dsgrade.json')
    .option('-o, --out <dir>', 'output folder (default: ./dsgrade-batch/<project>)')
    .option('-j, --jobs <n>', 'submissions graded at once (default 1: each one already runs its tests in parallel)', int('--jobs', 1))
    .option('--test-jobs <n>', 'most tests at once inside one submission (default: CPU-aware, docs/scheduling.md)', int('--test-jobs', 1))
    .option('--force', 'regrade submissions that already have results in the output folder')
    .option('--shard <i/n>', 'grade only slice i of n (stable hash of the submission id); combine with `dsgrade merge`')
    .option('--only <ids>', 'grade only these test ids, suites or globs (comma-separated, repeatable)', collect)
    .option('--seed <n>', 'one seed for every submission (default: random, printed and kept in batch.json)', parseSeed)
    .option('--cache-dir <dir>', 'build cache folder (default: ~/.cache/dsgrade)')
    .addHelpText(
      'after',
      `
Examples:
  $ dsgrade batch handins/ --project projects/p0-kvserver --out grades/
  $ dsgrade batch assignment_1234_export.zip -p projects/p0-kvserver -o grades/ --seed 7
  $ dsgrade batch handins/ -p projects/p0-kvserver -o shard2/ --shard 2/4 --seed 7   # then: dsgrade merge shard*/ -o grades/`,
    )
    .action(async (input: string, opts) => {
      const { batchCommand } = await import('../commands/batch.js');
      setExit(await batchCommand({ input, ...opts }));
    });

  program
    .command('flaky')
    .description('grade one submission N times with N seeds; report each test\'s pass rate and the seeds of failing runs')
    .argument('<submission>', 'folder or .zip to grade (e.g. the project\'s reference)')
    .requiredOption('-p, --project <dir>', 'project folder containing dsgrade.json')
    .requiredOption('-n, --runs <n>', 'number of runs', int('--runs', 1))
    .option('--seed <n>', 'seed of the first run; run i uses seed+i (default: random)', parseSeed)
    .option('--only <ids>', 'only these test ids, suites or globs (comma-separated, repeatable)', collect)
    .option('-j, --jobs <n>', 'tests run at once', int('--jobs', 1))
    .option('--cache-dir <dir>', 'build cache folder')
    .option('--json', 'print the per-test statistics as JSON')
    .addHelpText('after', '\nExit code 1 when a test passed in some runs and failed in others.\n\nExample:\n  $ dsgrade flaky projects/p0-kvserver/reference -p projects/p0-kvserver --runs 10 --only partA/TestSlow*')
    .action(async (submission: string, opts) => {
      const { flakyCommand } = await import('../commands/flaky.js');
      setExit(await flakyCommand({ submission, ...opts }));
    });

  program
    .command('merge')
    .description('combine the output folders of `dsgrade batch --shard` runs into one class summary')
    .argument('<shard-out...>', 'output folders of the shards')
    .requiredOption('-o, --out <dir>', 'merged output folder')
    .addHelpText('after', '\nExample:\n  $ dsgrade merge out-1 out-2 out-3 -o grades/')
    .action(async (shards: string[], opts: { out: string }) => {
      const { mergeCommand } = await import('../commands/merge.js');
      setExit(await mergeCommand({ shards, out: opts.out }));
    });

  const images = program.command('images').description("dsgrade's Docker images (built from docker/ with no registry)");
  images
    .command('build')
    .description('build the toolchain and run images from this machine (skipped when their inputs are unchanged)')
    .option('--force', 'rebuild even when up to date')
    .action(async (opts: { force?: boolean }) => {
      const { imagesCommand } = await import('../commands/images.js');
      setExit(await imagesCommand({ action: 'build', ...opts }));
    });
  images
    .command('list')
    .description('the image tags the current inputs give, and whether they exist')
    .action(async () => {
      const { imagesCommand } = await import('../commands/images.js');
      setExit(await imagesCommand({ action: 'list' }));
    });

  program
    .command('doctor')
    .description('check Go, the C compiler, the Docker engine, the images and leftovers; print the fix for each problem')
    .option('--local-only', 'skip the Docker checks')
    .action(async (opts: { localOnly?: boolean }) => {
      const { doctorCommand } = await import('../commands/doctor.js');
      setExit(await doctorCommand(opts));
    });

  program
    .command('clean')
    .description('remove every Docker container, network and volume dsgrade left behind (label dsgrade.managed=true)')
    .option('--dry-run', 'only list them')
    .action(async (opts: { dryRun?: boolean }) => {
      const { cleanCommand } = await import('../commands/clean.js');
      setExit(await cleanCommand(opts));
    });

  const packageCmd = program.command('package').description('build an upload for a grading platform (Gradescope, Autolab, PrairieLearn)');
  packageCmd
    .command('autolab')
    .description('build the Autolab autograder: autograde-Makefile and autograde.tar (dsgrade, the project)')
    .requiredOption('-p, --project <dir>', 'project folder containing dsgrade.json')
    .option('-o, --out <dir>', 'output folder', 'autolab')
    .option('--handin-file <name>', 'the handin file name the lab is configured with', 'handin.tar')
    .option('--budget-sec <n>', 'seconds dsgrade grades before printing what it has (default 540; keep it below the lab\'s timeout)', int('--budget-sec', 1))
    .addHelpText('after', '\nExample:\n  $ dsgrade package autolab --project projects/p0-kvserver -o autolab/')
    .action(async (opts) => {
      const { packageAutolabCommand } = await import('../commands/package.js');
      setExit(await packageAutolabCommand(opts));
    });
  packageCmd
    .command('prairielearn')
    .description('build the files of a PrairieLearn external grader: the image\'s build context, the question\'s tests/ folder, its info.json options')
    .requiredOption('-p, --project <dir>', 'project folder containing dsgrade.json')
    .option('-o, --out <dir>', 'output folder (new or empty)', 'prairielearn')
    .option('--image <name>', 'image name the question uses (default dsgrade-<project>)')
    .option('--go-version <v>', 'Go of the image, golang:<v>-bookworm (default: the project\'s go.version)')
    .option('--node-version <v>', 'Node of the image, node:<v>-bookworm-slim', '20')
    .option('--budget-sec <n>', 'seconds dsgrade grades before writing what it has (default 540); the question\'s timeout is 60 s more', int('--budget-sec', 1))
    .option('--slots <n>', 'sandbox run users to create', int('--slots', 1))
    .addHelpText('after', '\nExample:\n  $ dsgrade package prairielearn --project projects/p1-lsp -o pl/')
    .action(async (opts) => {
      const { packagePrairieLearnCommand } = await import('../commands/package.js');
      setExit(await packagePrairieLearnCommand(opts));
    });
  packageCmd
    .command('gradescope')
    .description('build the Gradescope autograder zip: setup.sh, run_autograder, dsgrade, the project')
    .requiredOption('-p, --project <dir>', 'project folder containing dsgrade.json')
    .option('-o, --out <file>', 'the zip to write', 'autograder.zip')
    .option('--go-version <v>', 'Go that setup.sh installs, e.g. 1.23.4 (default: the version of your local go)')
    .option('--node-version <v>', 'Node 20 release that setup.sh installs (default: yours when it is 20.x)')
    .option('--budget-sec <n>', "seconds dsgrade grades before writing what it has (default 540; keep it below Gradescope's timeout)", seconds('--budget-sec', MAX_TIMER_SEC))
    .option('--slots <n>', 'sandbox run users to create (one per test running at once)', int('--slots', 1))
    .option('--sandbox-uid <uid>', 'first sandbox uid: the builder; run users take the next --slots uids (default 61000)', int('--sandbox-uid', 1000))
    .addHelpText('after', '\nExample:\n  $ dsgrade package gradescope --project projects/p0-kvserver -o autograder.zip')
    .action(async (opts) => {
      const { packageGradescopeCommand } = await import('../commands/package.js');
      setExit(await packageGradescopeCommand(opts));
    });

  program.addHelpText(
    'after',
    `
Exit codes:
  0    graded / manifest valid / regression matched
  1    validate found problems (--build: a tree does not compile), regress found a mismatch,
       or init's reference did not get full marks under the proposed manifest
  2    bad input: usage, project manifest or files, submission path, a course tree init
       cannot read, --only matching nothing, --seed out of range, an --out/--junit that
       cannot be written
  3    internal error in dsgrade (please report it)
  4    a tool dsgrade needs is missing or failed: no Go toolchain (set DSGRADE_GO), a
       harness program that does not build, tar
  5    the Docker engine is unreachable or a Docker request failed (--backend docker, images)
  130  interrupted by SIGINT, 143 by SIGTERM, 129 by SIGHUP (every process dsgrade started
       has been killed; dsgrade gradescope writes a partial results.json first)`,
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
  installInterruptHandlers({
    onInterrupt: (signal, cleaned) => {
      process.stderr.write(`\ndsgrade: ${signal}: stopped ${cleaned.groups} process group(s), removed ${cleaned.folders} work folder(s)\n`);
    },
    exit: (code) => process.exit(code),
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
      return exitCodeFor(err.code);
    }
    process.stderr.write(`dsgrade: internal error — this is a bug in dsgrade, please report it with the output below.\n${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.INTERNAL;
  }
}
