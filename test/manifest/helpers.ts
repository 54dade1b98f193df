/**
 * Helpers for manifest tests: a copy of test/fixtures/manifest/tiny in a temp folder, a valid base
 * manifest for it, and shortcuts that load a manifest and return the error it throws.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';
import { ManifestError, type ManifestIssue } from '../../src/errors.js';
import { loadManifest, type LoadedManifest } from '../../src/manifest/load.js';

export const FIXTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'manifest', 'tiny');
export const MODULE_ROOT = 'src/example.com/kv';

/** Loose JSON object type for manifests under construction (tests break them on purpose). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A valid manifest for the tiny fixture that sets only what is required. */
export function baseManifest(): Json {
  return {
    name: 'tiny',
    title: 'Tiny project',
    go: { moduleRoot: MODULE_ROOT, module: 'example.com/kv' },
    starter: 'starter',
    staff: 'staff',
    handin: [{ path: 'kvpart/server_impl.go' }, { path: 'kvpart/student_test.go' }, { path: 'sqpart/squarer_test.go' }],
    suites: [{ id: 'kv', kind: 'gotest', package: 'kvpart', tests: [{ name: 'TestBasic', points: 10 }] }],
  };
}

export interface Project {
  dir: string;
  file: string;
  /** Writes `manifest` (an object is JSON-encoded, a string is written as is) as dsgrade.json. */
  write(manifest: Json): Promise<void>;
  load(manifest?: Json): Promise<LoadedManifest>;
  /** Loads and expects a ManifestError; returns its issues. */
  issues(manifest: Json): Promise<ManifestIssue[]>;
  rm(rel: string): Promise<void>;
  put(rel: string, content: string): Promise<void>;
  cleanup(): Promise<void>;
}

export async function makeProject(): Promise<Project> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'dsgrade-manifest-test-'));
  const dir = path.join(root, 'tiny');
  await fs.cp(FIXTURE, dir, { recursive: true });
  const file = path.join(dir, 'dsgrade.json');
  const write = async (manifest: Json): Promise<void> => {
    await fs.writeFile(file, typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2));
  };
  const load = async (manifest: Json = baseManifest()): Promise<LoadedManifest> => {
    await write(manifest);
    return loadManifest(dir);
  };
  return {
    dir,
    file,
    write,
    load,
    async issues(manifest) {
      const err = await load(manifest).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, 'expected the manifest to be rejected').toBeInstanceOf(ManifestError);
      const me = err as ManifestError;
      expect(me.code).toBe('MANIFEST_INVALID');
      for (const issue of me.issues) {
        expect(issue.file).toBe(file);
        expect(issue.pointer).toMatch(/^\//);
        expect(issue.message).not.toBe('');
        expect(issue.fix).not.toBe('');
      }
      return me.issues;
    },
    rm: (rel) => fs.rm(path.join(dir, rel), { recursive: true, force: true }),
    async put(rel, content) {
      await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
      await fs.writeFile(path.join(dir, rel), content);
    },
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
}

/** The issues as "pointer: message" lines, for readable assertions and failure output. */
export function summary(issues: readonly ManifestIssue[]): string[] {
  return issues.map((i) => `${i.pointer}: ${i.message}`);
}
