/**
 * Loading a project manifest: read → parse → schema-validate → apply defaults → semantic rules.
 * Returns plain data and warnings; throws a ManifestError carrying *all* problems at once.
 * Nothing here prints.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DsgradeError, ManifestError, type ManifestIssue } from '../errors.js';
import type { Visibility } from '../model.js';
import { schemaValidator, loadSchema } from './schema.js';
import { schemaIssues } from './schema-errors.js';
import { applyDefaults, type RawManifest } from './defaults.js';
import { checkRules } from './rules.js';
import type { Manifest } from './types.js';

export const MANIFEST_FILE = 'dsgrade.json';

export interface LoadedManifest {
  manifest: Manifest;
  /** Module-root-relative path → absolute path of every staff file (starter minus handin, plus overlay). */
  staffFiles: Map<string, string>;
  warnings: string[];
}

/** Accepts the project folder or the manifest file itself. */
export async function loadManifest(projectOrFile: string): Promise<LoadedManifest> {
  const file = await locateManifest(projectOrFile);
  const text = await fs.readFile(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DsgradeError('MANIFEST_PARSE', `invalid JSON in project manifest: ${file}${jsonPosition(text, err)}`, {
      file,
      fix: 'fix the JSON syntax (trailing commas and comments are not allowed in JSON)',
      cause: err,
    });
  }
  const validate = schemaValidator('manifest.schema.json');
  if (!validate(raw)) {
    throw new ManifestError(file, schemaIssues(file, validate.errors ?? [], loadSchema('manifest.schema.json')));
  }
  const manifest = applyDefaults(raw as RawManifest, file);
  const issues: ManifestIssue[] = [];
  const warnings: string[] = [];
  const staffFiles = await checkRules(manifest, issues, warnings);
  if (issues.length > 0) throw new ManifestError(file, issues);
  return { manifest, staffFiles, warnings };
}

async function locateManifest(projectOrFile: string): Promise<string> {
  const abs = path.resolve(projectOrFile);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch {
    throw new DsgradeError('MANIFEST_NOT_FOUND', `project not found: ${projectOrFile}`, {
      file: abs,
      fix: 'pass the project folder that contains dsgrade.json, e.g. --project projects/p0-kvserver',
    });
  }
  const file = stat.isDirectory() ? path.join(abs, MANIFEST_FILE) : abs;
  try {
    await fs.access(file);
  } catch {
    throw new DsgradeError('MANIFEST_NOT_FOUND', `project manifest not found: ${file}`, {
      file,
      fix: `create ${MANIFEST_FILE} in the project folder (see docs/manifest.md), or point --project at the right folder`,
    });
  }
  return file;
}

function jsonPosition(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(String((err as Error).message));
  if (!m) return `: ${(err as Error).message}`;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}: ${(err as Error).message}`;
}

export type { Visibility };
