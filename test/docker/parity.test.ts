/**
 * The Docker backend grades exactly like the local one, for P0 and P1.
 *
 * Each project is regressed in containers in quick mode (every reference graded, every chosen mutant
 * only on its catcher tests — each must fail; `dsgrade regress <project> --backend docker` is the
 * full run), and then the same submissions are graded locally with the same seed and the same test
 * selection: per-test verdicts and scores must be identical. Mutants whose failure depends on the
 * race detector noticing (map-race) are left out of the per-test comparison; their catchers must
 * still fail in containers. Afterwards no container, network or volume of this run remains.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadManifest, type LoadedManifest } from '../../src/manifest/load.js';
import type { GradeReport } from '../../src/model.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { withMutantSubmission } from '../../src/regress/mutant-submission.js';
import { regress, type RegressionRow } from '../../src/regress/regress.js';
import { DockerodeRuntime } from '../../src/sandbox/docker/dockerode-runtime.js';
import { OWNER_LABEL, managedFilter } from '../../src/sandbox/docker/labels.js';
import { dockerAvailable } from './engine.js';

const available = await dockerAvailable();
const SEED = 20261126;

const verdicts = (r: GradeReport): Record<string, string> => Object.fromEntries(r.tests.map((t) => [t.id, `${t.verdict} ${t.score}/${t.maxScore}`]));

async function ourLeftovers(): Promise<string[]> {
  const mine = `${os.hostname()}:${process.pid}`;
  const all = await new DockerodeRuntime().list(managedFilter());
  return all.filter((r) => r.labels[OWNER_LABEL] === mine).map((r) => `${r.kind} ${r.name}`);
}

interface ParityCase {
  project: string;
  /** Mutants regressed in containers (default: all). */
  mutants?: string[];
  /** Mutants also graded locally for the per-test comparison. */
  compare: string[];
  /** Reference test selection (default: every test). */
  referenceOnly?: string[];
}

async function dockerMatchesLocal(c: ParityCase): Promise<void> {
  const project: LoadedManifest = await loadManifest(c.project);
  const rows = await regress({ project, seed: SEED, backend: 'docker', quick: true, ...(c.mutants ? { mutants: c.mutants } : {}), ...(c.referenceOnly ? { referenceOnly: c.referenceOnly } : {}) });
  const report = rows.map((r) => `${r.name}: expected ${r.expected}, got ${r.got}${r.ok ? '' : ` — ${r.notable.map((n) => `${n.id}: ${n.summary}`).join('; ')}`}`);
  expect(rows.filter((r) => !r.ok), report.join('\n')).toEqual([]);
  const references = rows.filter((r) => r.kind === 'reference');
  expect(references.length).toBe(project.manifest.references.length);
  for (const r of references) expect(r, r.name).toMatchObject({ got: r.max });
  expect(rows.length).toBe(references.length + (c.mutants ?? project.manifest.mutants).length);
  expect(await ourLeftovers()).toEqual([]);

  // The primary reference is compared test by test; the others must get full marks (above).
  const compared: [string, RegressionRow][] = [['reference', rows[0]!], ...c.compare.map((n): [string, RegressionRow] => [n, rows.find((r) => r.name === n)!])];
  for (const [name, row] of compared) {
    const mutant = project.manifest.mutants.find((m) => m.name === name);
    const only = mutant ? mutant.catchers : c.referenceOnly;
    const grade = (submission: string): Promise<GradeReport> => gradeSubmission({ project, submission, seed: SEED, ...(only ? { only } : {}) });
    const local = mutant ? await withMutantSubmission(project.manifest, mutant, grade) : await grade(project.manifest.reference!);
    expect(verdicts(row.report!), `${c.project} ${name}: docker vs local`).toEqual(verdicts(local));
    expect(row.report!.score).toBe(local.score);
  }
}

describe.skipIf(!available)('docker backend parity', () => {
  // A sample that fits CI's budget (the full run is `dsgrade regress projects/p0-kvserver --backend
  // docker`): the checks, go tests with and without -race, the leak item, part B (students' tests
  // against a correct and a buggy squarer) and a scenario through the fault proxy on both
  // references; three mutants, one of them caught only by the race detector.
  it('P0: a sample of both references and three mutants in containers; per-test verdicts equal the local backend', async () => {
    await dockerMatchesLocal({
      project: 'projects/p0-kvserver',
      referenceOnly: ['build', 'check/*', 'partA/TestBasic1', 'partA/TestBasic4', 'partA/TestCount2', 'partA/TestSlowClient1', 'partA/TestClose1', 'partA/leaks', 'partB/correct', 'partB/double-send', 'scenarios/killed-clients'],
      mutants: ['update-appends', 'close-leaks-listener', 'map-race'],
      compare: ['update-appends', 'close-leaks-listener'],
    });
  });

  // A sample that fits CI's budget: go tests with and without -race, faults through lspnet, and
  // part B scenarios (three processes kinds through the fault proxy, a kill, loss) on the reference;
  // one protocol mutant and one part B mutant.
  it('P1: a sample of the reference (checks, go tests, part B scenarios) and two mutants; per-test verdicts equal the local backend', async () => {
    await dockerMatchesLocal({
      project: 'projects/p1-lsp',
      referenceOnly: ['build', 'check/*', 'checkpoint/TestBasic1', 'checkpoint/TestCorrupted1', 'final/TestRobust1', 'final/TestWindow1', 'final/TestClientClose1', 'partB/basic', 'partB/miner-killed', 'partB/lossy-network'],
      mutants: ['corrupt-payload-accepted', 'miner-death-not-handled'],
      compare: ['corrupt-payload-accepted', 'miner-death-not-handled'],
    });
  });
});
