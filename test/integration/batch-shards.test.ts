/**
 * `dsgrade batch` on a small class (the echo scenario fixture: correct and non-compiling submissions, as
 * folders and zips), run once on one machine and once as three shards in separate processes that
 * `dsgrade merge` combines: the two class summaries must be equal. Also checks resuming.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve('.');
const PROJECT = 'test/fixtures/scenario/echo';
const CLI = ['--import', 'tsx', path.join(REPO, 'test/fixtures/programs/dsgrade-cli.ts')];
const ONLY = ['--only', 'build,echo/checker', '--seed', '21'];
let tmp: string;
let input: string;

const dsgrade = (args: string[]) => execa(process.execPath, [...CLI, ...args], { cwd: REPO, reject: false, env: { ...process.env, NO_COLOR: '1' } });

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-batch-it-'));
  input = path.join(tmp, 'handins');
  await fs.mkdir(input);
  const ref = path.join(REPO, PROJECT, 'reference');
  // Broken submissions do not compile: they fail fast (the fixture's panicking one waits 10 s).
  const broken = path.join(tmp, 'broken');
  await fs.mkdir(broken);
  await fs.writeFile(path.join(broken, 'echo.go'), 'package echo\n\nfunc Reply(line string) string { return 1 }\n');
  await fs.cp(ref, path.join(input, 'alice'), { recursive: true });
  await fs.cp(broken, path.join(input, 'bob'), { recursive: true });
  await fs.cp(ref, path.join(input, 'erin'), { recursive: true });
  await execa('zip', ['-q', path.join(input, 'carol.zip'), 'echo.go'], { cwd: ref });
  await execa('zip', ['-q', path.join(input, 'dan.zip'), 'echo.go'], { cwd: broken });
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('dsgrade batch, shards and merge', () => {
  it('grades a class on one machine, then resumes without regrading', async () => {
    const out = path.join(tmp, 'single');
    const r = await dsgrade(['batch', input, '--project', PROJECT, '--out', out, ...ONLY]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/5 submission\(s\) \(folders\); 0 already graded/);
    expect(r.stderr).toMatch(/\[5\/5\] /);
    const csv = await fs.readFile(path.join(out, 'summary.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('submission,names,emails,sids,score,max_score,passed,failed,errors,status,build,echo/checker');
    expect(csv).toMatch(/^alice,,,,1,1,2,0,0,graded,0,1$/m);
    expect(csv).toMatch(/^bob,,,,0,1,0,2,0,graded,0,0$/m);
    for (const f of ['results.json', 'junit.xml', 'report.json']) await fs.access(path.join(out, 'submissions', 'carol', f));
    const html = await fs.readFile(path.join(out, 'summary.html'), 'utf8');
    expect(html).toContain('Score histogram');

    const again = await dsgrade(['batch', input, '--project', PROJECT, '--out', out, ...ONLY]);
    expect(again.stderr).toMatch(/5 already graded \(skipped; --force regrades\), 0 to grade/);
    expect(await fs.readFile(path.join(out, 'summary.csv'), 'utf8')).toBe(csv);

    const otherTests = await dsgrade(['batch', input, '--project', PROJECT, '--out', out, '--only', 'build', '--seed', '21']);
    expect(otherTests.stderr).toMatch(/warning: results kept from the previous run were graded with --only build,echo\/checker; --force regrades them/);
  });

  it('three shards in separate processes, merged, give the same summary as one machine', async () => {
    const shards = [1, 2, 3].map((i) => path.join(tmp, `shard-${i}`));
    const runs = await Promise.all(shards.map((out, i) => dsgrade(['batch', input, '--project', PROJECT, '--out', out, '--shard', `${i + 1}/3`, ...ONLY])));
    for (const r of runs) expect(r.exitCode, r.stderr).toBe(0);
    const graded = await Promise.all(shards.map(async (d) => (await fs.readdir(path.join(d, 'submissions'))).length));
    expect(graded.reduce((a, b) => a + b, 0)).toBe(5);
    const merged = path.join(tmp, 'merged');
    const m = await dsgrade(['merge', ...shards, '-o', merged]);
    expect(m.exitCode, m.stderr).toBe(0);
    expect(m.stderr).toBe('');
    const single = await fs.readFile(path.join(tmp, 'single', 'summary.csv'), 'utf8');
    expect(await fs.readFile(path.join(merged, 'summary.csv'), 'utf8')).toBe(single);
    const scores = (f: string) => fs.readFile(f, 'utf8').then((t) => (JSON.parse(t) as { rows: { id: string; scores: object }[] }).rows.map((r) => [r.id, r.scores]));
    expect(await scores(path.join(merged, 'summary.json'))).toEqual(await scores(path.join(tmp, 'single', 'summary.json')));
    await fs.access(path.join(merged, 'submissions', 'dan', 'results.json'));
  });
});
