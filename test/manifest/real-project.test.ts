/**
 * Every sample project under projects/ must always load: schema, rules, staff tests found, mutant
 * patches applying to their reference.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors.js';
import { loadManifest } from '../../src/manifest/load.js';
import { REPO_ROOT } from '../../src/core/install-paths.js';

const PROJECTS = readdirSync(path.join(REPO_ROOT, 'projects')).filter((name) => existsSync(path.join(REPO_ROOT, 'projects', name, 'dsgrade.json')));

describe('sample projects', () => {
  it('include P0', () => {
    expect(PROJECTS).toContain('p0-kvserver');
  });

  it.each(PROJECTS)('projects/%s loads without problems', async (name) => {
    const dir = path.join(REPO_ROOT, 'projects', name);
    let loaded;
    try {
      loaded = await loadManifest(dir);
    } catch (err) {
      // Show every problem, not just the count in the message.
      if (err instanceof ManifestError) expect.fail(err.describe());
      throw err;
    }
    const { manifest, staffFiles } = loaded;
    expect(manifest.dir).toBe(dir);
    expect(manifest.suites.length).toBeGreaterThan(0);
    for (const suite of manifest.suites) {
      if (suite.kind !== 'gotest') continue;
      expect(suite.tests.length, `suite ${suite.id} grades no test`).toBeGreaterThan(0);
      for (const t of suite.tests) expect(t.pattern, `${suite.id}/${t.name} was not expanded`).toBeUndefined();
    }
    // Handin files never come from the staff side.
    for (const h of manifest.handin) if (h.path !== undefined) expect(staffFiles.has(h.path), h.path).toBe(false);
  });
});
