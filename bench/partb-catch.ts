/**
 * `npm run bench partb-catch`: how often realistic student tests catch each of P0's buggy squarers.
 * Every student test file (test/fixtures/p0-squarer-tests/*, the reference's, the weak-tests
 * mutant's) is compiled against the correct squarer and each buggy one, then each binary runs
 * BENCH_PARTB_RUNS times (default 20), BENCH_PARTB_JOBS at once (default 4, so the 2-core machine
 * is loaded as a Gradescope box can be), optionally with GOMAXPROCS=BENCH_PARTB_GOMAXPROCS.
 * A cell is "failed runs / runs": the catch rate on a buggy squarer, the false-alarm rate on the
 * correct one. A cell that is neither 0 nor all runs means the verdict is a coin toss.
 * BENCH_PARTB_SQUARERS=<folder> measures the buggy squarers in that folder (<name>.go) instead of
 * the manifest's (e.g. an older set); BENCH_PARTB_TESTS=a,b limits the student tests by name.
 * Our measurement, not a test: it says nothing about a submission, only about the variants.
 */
import { execa } from 'execa';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { loadManifest } from '../src/manifest/load.js';

const FIXTURES = 'test/fixtures/p0-squarer-tests';

export async function benchPartBCatch(): Promise<Record<string, unknown>> {
  const runs = Number(process.env.BENCH_PARTB_RUNS ?? 20);
  const jobs = Number(process.env.BENCH_PARTB_JOBS ?? 4);
  const procs = process.env.BENCH_PARTB_GOMAXPROCS;
  const project = await loadManifest('projects/p0-kvserver');
  const m = project.manifest;
  const suite = m.suites.find((s) => s.kind === 'studenttests');
  if (!suite || suite.kind !== 'studenttests') throw new Error('projects/p0-kvserver has no studenttests suite');
  const squarers = process.env.BENCH_PARTB_SQUARERS;
  const buggy = squarers
    ? (await fs.readdir(squarers)).filter((f) => f.endsWith('.go')).map((f) => ({ name: f.replace(/\.go$/, ''), file: path.resolve(squarers, f) }))
    : suite.buggy.map((b) => ({ name: b.name, file: b.file }));
  const variants = [{ name: 'correct', file: path.join(m.starter, m.go.moduleRoot, suite.implFile) }, ...buggy];
  const only = process.env.BENCH_PARTB_TESTS?.split(',');
  const tests = [
    ...(await fs.readdir(FIXTURES, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => ({ name: d.name, file: path.join(FIXTURES, d.name, 'squarer_test.go') })),
    { name: 'reference', file: path.join(m.dir, 'reference/squarer_test.go') },
    ...(await fs.readdir(m.dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && d.name.startsWith('reference-'))
      .map((d) => ({ name: d.name, file: path.join(m.dir, d.name, 'squarer_test.go') })),
    ...m.mutants.flatMap((mu) => (mu.path ? [{ name: `mutant:${mu.name}`, file: path.join(mu.path, 'squarer_test.go') }] : [])),
  ];
  const present = [];
  for (const t of tests) if ((!only || only.includes(t.name)) && (await exists(t.file))) present.push(t);

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-bench-partb-'));
  try {
    // One module tree per variant; every student test is compiled in it in turn.
    const binaries = new Map<string, string>();
    for (const v of variants) {
      const root = path.join(tmp, v.name);
      await fs.cp(m.starter, root, { recursive: true });
      const pkg = path.join(root, m.go.moduleRoot, suite.package);
      await fs.copyFile(v.file, path.join(pkg, 'squarer_impl.go'));
      for (const t of present) {
        await fs.copyFile(t.file, path.join(pkg, 'squarer_test.go'));
        const bin = path.join(tmp, 'bin', `${t.name.replace(/[^\w-]/g, '_')}.${v.name}.test`);
        await execa('go', ['test', '-c', '-o', bin, `./${suite.package}`], { cwd: path.join(root, m.go.moduleRoot) });
        binaries.set(`${t.name}\0${v.name}`, bin);
      }
    }
    const limit = pLimit(jobs);
    const failed = new Map<string, number>();
    const env = procs ? { GOMAXPROCS: procs } : {};
    const started = performance.now();
    await Promise.all(
      [...binaries].flatMap(([key, bin]) =>
        Array.from({ length: runs }, () =>
          limit(async () => {
            const r = await execa(bin, ['-test.count=1', '-test.timeout=10s'], { reject: false, env, cwd: tmp });
            if (r.exitCode !== 0) failed.set(key, (failed.get(key) ?? 0) + 1);
          }),
        ),
      ),
    );
    const table: Record<string, Record<string, string>> = {};
    const coinTosses: string[] = [];
    for (const t of present) {
      table[t.name] = {};
      for (const v of variants) {
        const n = failed.get(`${t.name}\0${v.name}`) ?? 0;
        table[t.name]![v.name] = `${n}/${runs}`;
        if (n > 0 && n < runs) coinTosses.push(`${t.name} on ${v.name}: ${n}/${runs}`);
      }
    }
    printTable(table, variants.map((v) => v.name));
    return { bench: 'partb-catch', squarers: squarers ?? 'manifest', runs, jobs, gomaxprocs: procs ?? 'default', wallSec: Math.round((performance.now() - started) / 100) / 10, failedRuns: table, coinTosses };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

function printTable(table: Record<string, Record<string, string>>, columns: string[]): void {
  const first = Math.max(...Object.keys(table).map((k) => k.length), 4);
  const widths = columns.map((c) => Math.max(c.length, 5));
  console.error(['test'.padEnd(first), ...columns.map((c, i) => c.padStart(widths[i]!))].join('  '));
  for (const [name, row] of Object.entries(table)) console.error([name.padEnd(first), ...columns.map((c, i) => row[c]!.padStart(widths[i]!))].join('  '));
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}
