/**
 * The Docker backend grades exactly like the local one: the P0 reference gets full marks and every
 * mutant is caught by its catcher tests with --backend docker (quick mode, to keep CI within its
 * budget; `dsgrade regress projects/p0-kvserver --backend docker` is the full run), per-test
 * verdicts and scores match a local run of the same submission and seed, and no container,
 * network or volume of dsgrade remains afterwards.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/load.js';
import type { GradeReport } from '../../src/model.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { regress } from '../../src/regress/regress.js';
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

describe.skipIf(!available)('docker backend parity (P0)', () => {
  it('reference full marks and every mutant caught by its catchers, in containers', async () => {
    const project = await loadManifest('projects/p0-kvserver');
    const rows = await regress({ project, seed: SEED, backend: 'docker', quick: true });
    const report = rows.map((r) => `${r.name}: expected ${r.expected}, got ${r.got}${r.ok ? '' : ` — ${r.notable.map((n) => `${n.id}: ${n.summary}`).join('; ')}`}`);
    expect(rows.filter((r) => !r.ok), report.join('\n')).toEqual([]);
    expect(rows[0]).toMatchObject({ kind: 'reference', got: rows[0]!.max });
    expect(rows.length).toBe(1 + project.manifest.mutants.length);
    expect(await ourLeftovers()).toEqual([]);
  });

  it.each(['reference', 'count-dropped-wrong'])('per-test verdicts of %s match the local backend', async (name) => {
    const project = await loadManifest('projects/p0-kvserver');
    const submission = name === 'reference' ? project.manifest.reference! : project.manifest.mutants.find((m) => m.name === name)!.path;
    const local = await gradeSubmission({ project, submission, seed: SEED });
    const docker = await gradeSubmission({ project, submission, seed: SEED, backend: 'docker' });
    expect(verdicts(docker)).toEqual(verdicts(local));
    expect(docker.score).toBe(local.score);
    expect(await ourLeftovers()).toEqual([]);
  });
});
