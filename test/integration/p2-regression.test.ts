/**
 * P2 within CI's time budget: the staff rpc network's own Go tests; the reference in full (full
 * marks); and for each mutant the tests meant to catch it (`regress --quick`), each of which must
 * fail. Every test runs once here instead of the manifest's repeats (grading policy, not what this
 * checks), which keeps the file at a few minutes. The full regression is
 * `dsgrade regress projects/p2-raft`.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadManifest } from '../../src/manifest/load.js';
import { regress } from '../../src/regress/regress.js';
import { liveGroupCount } from '../../src/sandbox/process-registry.js';

const run = promisify(execFile);

describe('P2 regression (quick)', () => {
  it('the staff rpc network passes its own tests', async () => {
    const moduleDir = path.resolve('projects/p2-raft/starter/src/github.com/cmu440');
    const { stdout } = await run('go', ['test', '-race', '-count=1', './rpc'], { cwd: moduleDir, env: { ...process.env, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' } });
    expect(stdout).toMatch(/^ok\s+github.com\/cmu440\/rpc/m);
  });

  it('reference full marks; every mutant caught by its catchers', async () => {
    const project = await loadManifest('projects/p2-raft');
    expect(project.manifest.mutants.length).toBeGreaterThanOrEqual(10);
    for (const suite of project.manifest.suites) if (suite.kind === 'gotest') for (const t of suite.tests) t.runs = 1;
    const rows = await regress({ project, seed: 20261201, quick: true });
    const report = rows.map((r) => `${r.name}: expected ${r.expected}, got ${r.got}${r.ok ? '' : ` — ${r.notable.map((n) => `${n.id}: ${n.summary}`).join('; ')}`}`);
    expect(rows.filter((r) => !r.ok), report.join('\n')).toEqual([]);
    expect(rows[0]).toMatchObject({ kind: 'reference', got: rows[0]!.max });
    expect(rows).toHaveLength(1 + project.manifest.mutants.length);
    expect(liveGroupCount()).toBe(0);
  });
});
