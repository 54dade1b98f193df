/**
 * The real course project must always load. Skipped (with the reason in the test name) until
 * projects/p0-kvserver/dsgrade.json is written.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors.js';
import { loadManifest } from '../../src/manifest/load.js';
import { REPO_ROOT } from '../../src/core/install-paths.js';

const PROJECT = path.join(REPO_ROOT, 'projects', 'p0-kvserver');
const present = existsSync(path.join(PROJECT, 'dsgrade.json'));

describe('projects/p0-kvserver', () => {
  it.skipIf(!present)(`loads without problems${present ? '' : ' (SKIPPED: projects/p0-kvserver/dsgrade.json does not exist yet)'}`, async () => {
    let loaded;
    try {
      loaded = await loadManifest('projects/p0-kvserver');
    } catch (err) {
      // Show every problem, not just the count in the message.
      if (err instanceof ManifestError) expect.fail(err.describe());
      throw err;
    }
    const { manifest, staffFiles } = loaded;
    expect(manifest.dir).toBe(PROJECT);
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
