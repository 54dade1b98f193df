/**
 * Every host's format from real runs, each checked against its schema, and the Autolab and
 * PrairieLearn packages run offline the way each host runs them:
 *
 * - one `dsgrade grade` run writing Gradescope, PrairieLearn, Autolab and JUnit results;
 * - Autolab: `dsgrade package autolab`, then a job folder like Tango's (Makefile, autograde.tar,
 *   the student's handin.tar) and `make`: the last line is the score line — or, when the project
 *   is broken or Node does not start, a line that says the run was not graded;
 * - PrairieLearn: `dsgrade package prairielearn`, then /grade laid out in a temp folder (student/,
 *   tests/ from the package, data/) and the image's entrypoint run with DSGRADE_PL_ROOT: results.json
 *   graded, or `gradable: false` when dsgrade cannot grade.
 *
 * The project is the counter fixture with a manifest from `dsgrade init` (grades in seconds).
 */
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageAutolab } from '../../src/autolab/package.js';
import { gradeCommand } from '../../src/commands/grade.js';
import { initCommand } from '../../src/commands/init.js';
import { packagePrairieLearn } from '../../src/prairielearn/package.js';
import { AUTOLAB_GRADER_ERROR_LINE, validateAutolabResult } from '../../src/report/autolab-results.js';
import { validateGradescopeResults } from '../../src/report/gradescope-results.js';
import { validatePrairieLearnResults, type PrairieLearnResults } from '../../src/report/prairielearn-results.js';
import { copyTree } from '../../src/util/fs.js';

const COUNTER = path.resolve('test/fixtures/init/counter');
let tmp: string;
let project: string;

function quietIO(): { stdout: PassThrough; stderr: PassThrough; text: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => (text += c.toString()));
  stderr.resume();
  return { stdout, stderr, text: () => text };
}

/** A submission folder: the reference, or the no-lock mutant. */
async function submission(kind: 'reference' | 'no-lock'): Promise<string> {
  const dir = path.join(tmp, 'submissions', kind);
  await copyTree(path.join(COUNTER, 'reference'), dir);
  if (kind === 'no-lock') {
    await fs.rm(path.join(dir, 'lock.go'));
    await copyTree(path.join(COUNTER, 'mutants', 'no-lock'), dir);
  }
  return dir;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-hosts-'));
  // A self-contained project folder (packages hold the project folder only).
  project = path.join(tmp, 'project');
  for (const d of ['course', 'staff', 'reference']) await copyTree(path.join(COUNTER, d), path.join(project, d));
  const code = await initCommand({ tree: path.join(project, 'course'), staff: path.join(project, 'staff'), reference: path.join(project, 'reference'), out: path.join(project, 'dsgrade.json'), io: quietIO() });
  expect(code).toBe(0);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('one run, every host\'s format', () => {
  it('grade writes Gradescope, PrairieLearn, Autolab and JUnit results, each valid', async () => {
    const out = path.join(tmp, 'formats');
    const io = quietIO();
    const code = await gradeCommand({
      submission: await submission('no-lock'),
      project,
      outGradescope: path.join(out, 'gradescope.json'),
      outPrairielearn: path.join(out, 'prairielearn.json'),
      outAutolab: '-',
      outJunit: path.join(out, 'junit.xml'),
      jobs: 1,
      seed: 11,
      io,
    });
    expect(code).toBe(0);
    const gs = JSON.parse(await fs.readFile(path.join(out, 'gradescope.json'), 'utf8')) as { score: number };
    expect(validateGradescopeResults(gs)).toEqual([]);
    expect(gs.score).toBe(3);
    const pl = JSON.parse(await fs.readFile(path.join(out, 'prairielearn.json'), 'utf8')) as PrairieLearnResults;
    expect(validatePrairieLearnResults(pl)).toEqual([]);
    expect(pl).toMatchObject({ gradable: true, score: 0.6 });
    expect(pl.tests?.filter((t) => t.points < t.max_points).map((t) => t.name)).toEqual(['TestConcurrentAdd1', 'TestConcurrentAdd2']);
    // Autolab: the last line of stdout, after the table.
    const lines = io.text().trimEnd().split('\n');
    const last = JSON.parse(lines[lines.length - 1]!) as unknown;
    expect(validateAutolabResult(last)).toEqual([]);
    expect(last).toEqual({ scores: { counter: 3 }, scoreboard: [3] });
    expect(io.text()).toContain('Score: 3/5');
    const junit = await fs.readFile(path.join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites[^>]*tests="6"[^>]*failures="2"/);
  });
});

describe('Autolab: dsgrade package autolab, run as Tango runs it', () => {
  let pkg: string;
  beforeAll(async () => {
    pkg = path.join(tmp, 'autolab');
    const r = await packageAutolab({ project, out: pkg, handinFile: 'handin.tar' });
    expect(r.problems).toEqual([{ name: 'counter', maxScore: 5, suites: ['counter'] }]);
  });

  async function job(name: string, files: string[]): Promise<string> {
    const dir = path.join(tmp, 'autolab-jobs', name);
    await fs.mkdir(dir, { recursive: true });
    await fs.copyFile(path.join(pkg, 'autograde-Makefile'), path.join(dir, 'Makefile'));
    await fs.copyFile(path.join(pkg, 'autograde.tar'), path.join(dir, 'autograde.tar'));
    const sub = await submission(name === 'no-lock' ? 'no-lock' : 'reference');
    await execa('tar', ['-C', sub, '-cf', path.join(dir, 'handin.tar'), ...files]);
    return dir;
  }

  const lastLine = (out: string): string => out.trimEnd().split('\n').pop() ?? '';

  it('the package holds the Makefile and a tar with dsgrade, the project and the entry script', async () => {
    const makefile = await fs.readFile(path.join(pkg, 'autograde-Makefile'), 'utf8');
    expect(makefile).toContain('\t@tar -xf autograde.tar\n\t@./dsgrade-autolab/run-autolab handin.tar\n');
    const { stdout } = await execa('tar', ['-tf', path.join(pkg, 'autograde.tar')]);
    const entries = stdout.split('\n');
    for (const e of ['dsgrade-autolab/run-autolab', 'dsgrade-autolab/autolab.env', 'dsgrade-autolab/dsgrade/bin/dsgrade.js', 'dsgrade-autolab/dsgrade/dist/cli/main.js', 'dsgrade-autolab/dsgrade/schemas/autolab-result.schema.json', 'dsgrade-autolab/project/dsgrade.json', 'dsgrade-autolab/project/course/counter/counter.go', 'dsgrade-autolab/project/staff/counter/counter_test.go']) {
      expect(entries).toContain(e);
    }
    expect(entries.some((e) => e.includes('node_modules/ajv/'))).toBe(true);
    expect(entries.some((e) => e.includes('node_modules/vitest/'))).toBe(false);
  });

  it('make: feedback, then the score line (reference 5, no-lock mutant below)', async () => {
    const ref = await execa('make', [], { cwd: await job('reference', ['counter.go', 'lock.go']), reject: false });
    expect(ref.exitCode, ref.stderr).toBe(0);
    const refScores = JSON.parse(lastLine(ref.stdout)) as unknown;
    expect(validateAutolabResult(refScores)).toEqual([]);
    expect(refScores).toEqual({ scores: { counter: 5 }, scoreboard: [5] });
    expect(ref.stdout).toContain('[PASS] TestConcurrentAdd1 (1/1)');

    const mut = await execa('make', [], { cwd: await job('no-lock', ['counter.go']), reject: false });
    expect(JSON.parse(lastLine(mut.stdout))).toEqual({ scores: { counter: 3 }, scoreboard: [3] });
    expect(mut.stdout).toContain('[FAIL] TestConcurrentAdd1 (0/1)');
  });

  it('a broken project, or Node not starting: the last line says the run was not graded (no score recorded)', async () => {
    const dir = await job('broken', ['counter.go', 'lock.go']);
    await execa('tar', ['-xf', 'autograde.tar'], { cwd: dir });
    await fs.writeFile(path.join(dir, 'dsgrade-autolab', 'project', 'dsgrade.json'), '{ "name": ');
    const broken = await execa('./dsgrade-autolab/run-autolab', ['handin.tar'], { cwd: dir, reject: false });
    expect(lastLine(broken.stdout)).toBe(AUTOLAB_GRADER_ERROR_LINE);
    expect(broken.stdout).toContain('invalid JSON in project manifest');

    const noNode = await execa('./dsgrade-autolab/run-autolab', ['handin.tar'], { cwd: dir, reject: false, env: { DSGRADE_NODE: '/nonexistent/node' } });
    expect(lastLine(noNode.stdout)).toMatch(/^dsgrade: autograder error — this submission was NOT graded \(dsgrade exited with status 127/);
    expect(() => JSON.parse(lastLine(noNode.stdout))).toThrow();
  });
});

describe('PrairieLearn: dsgrade package prairielearn, run as the external grader runs it', () => {
  let pkg: string;
  beforeAll(async () => {
    pkg = path.join(tmp, 'pl');
    const r = await packagePrairieLearn({ project, out: pkg });
    expect(r.entrypoint).toBe('/opt/dsgrade/run-prairielearn');
  });

  /** /grade for one submission: student/ (the submitted files), tests/ (from the package), data/. */
  async function gradeRoot(name: string, kind: 'reference' | 'no-lock'): Promise<string> {
    const root = path.join(tmp, 'pl-grade', name);
    await copyTree(await submission(kind), path.join(root, 'student'));
    await copyTree(path.join(pkg, 'question', 'tests'), path.join(root, 'tests'));
    await fs.mkdir(path.join(root, 'data'), { recursive: true });
    await fs.writeFile(path.join(root, 'data', 'data.json'), '{"params": {}, "submitted_answers": {}}\n');
    return root;
  }

  async function runEntry(root: string, env: Record<string, string> = {}): Promise<PrairieLearnResults> {
    const r = await execa(path.join(pkg, 'image', 'run-prairielearn'), [], { reject: false, env: { DSGRADE_PL_ROOT: root, DSGRADE_NODE: process.execPath, ...env } });
    const results = JSON.parse(await fs.readFile(path.join(root, 'results', 'results.json'), 'utf8')) as PrairieLearnResults;
    expect(validatePrairieLearnResults(results), r.stdout + r.stderr).toEqual([]);
    return results;
  }

  it('the package holds the image context, the question\'s tests/ folder and its info.json options', async () => {
    const snippet = JSON.parse(await fs.readFile(path.join(pkg, 'question', 'info.json.snippet'), 'utf8')) as { externalGradingOptions: Record<string, unknown> };
    expect(snippet.externalGradingOptions).toEqual({ enabled: true, image: 'dsgrade-course', entrypoint: '/opt/dsgrade/run-prairielearn', timeout: 600 });
    const dockerfile = await fs.readFile(path.join(pkg, 'image', 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('COPY . /opt/dsgrade');
    expect(dockerfile).toContain('RUN /opt/dsgrade/setup-image');
    for (const f of ['image/run-prairielearn', 'image/setup-image', 'image/prairielearn.env', 'image/dsgrade/bin/dsgrade.js', 'image/dsgrade/schemas/prairielearn-results.schema.json', 'question/tests/dsgrade.json', 'question/tests/staff/counter/counter_test.go']) {
      await expect(fs.access(path.join(pkg, f))).resolves.toBeUndefined();
    }
  });

  it('the entrypoint grades /grade/student: full score for the reference, below for the mutant', async () => {
    const ref = await runEntry(await gradeRoot('reference', 'reference'));
    expect(ref).toMatchObject({ gradable: true, score: 1 });
    expect(ref.tests).toHaveLength(6);
    const mut = await runEntry(await gradeRoot('no-lock', 'no-lock'));
    expect(mut).toMatchObject({ gradable: true, score: 0.6 });
  });

  it('a broken project, or Node not starting: gradable false, so the attempt is not counted', async () => {
    const root = await gradeRoot('broken', 'reference');
    await fs.writeFile(path.join(root, 'tests', 'dsgrade.json'), '{ "name": ');
    const broken = await runEntry(root);
    expect(broken).toMatchObject({ gradable: false, score: 0 });
    expect(broken.output).toContain('invalid JSON in project manifest');

    const root2 = await gradeRoot('no-node', 'reference');
    const noNode = await runEntry(root2, { DSGRADE_NODE: '/nonexistent/node' });
    expect(noNode.gradable).toBe(false);
  });
});
