/**
 * A project's timings.json (docs/scheduling.md): per graded item, what one run of the reference
 * costs — wall time, CPU rate, peak RSS — as `dsgrade profile` measured it. Read with the
 * manifest and schema-checked like it: a broken file is the staff's to fix (`dsgrade validate`
 * names it), while stale entries (items the manifest no longer has) are only a warning and
 * missing ones make the scheduler count the item as one core.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DsgradeError, ManifestError } from '../errors.js';
import { schemaIssues } from './schema-errors.js';
import { loadSchema, schemaValidator } from './schema.js';

export const TIMINGS_FILE = 'timings.json';

export interface ItemTiming {
  wallMs: number;
  cpuRate: number;
  peakRssBytes?: number;
}

export interface Timings {
  version: 1;
  recorded?: { at?: string; dsgrade?: string; submission?: string; runs?: number; jobs?: number; backend?: 'local' | 'docker'; cores?: number; load?: string };
  tests: Record<string, ItemTiming>;
}

/** The project's timings, or undefined when it has none; throws for a file that is not valid. */
export async function loadTimings(projectDir: string): Promise<Timings | undefined> {
  const file = path.join(projectDir, TIMINGS_FILE);
  let text: string;
  try {
    text = (await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DsgradeError('MANIFEST_PARSE', `invalid JSON in the project's timings: ${file}`, {
      file,
      fix: `regenerate it with \`dsgrade profile ${projectDir}\` (or delete it: every test then counts as one core)`,
      cause: err,
    });
  }
  const validate = schemaValidator('timings.schema.json');
  if (!validate(raw)) throw new ManifestError(file, schemaIssues(file, validate.errors ?? [], loadSchema('timings.schema.json')), "project's timings");
  return raw as Timings;
}

/** Entries for items the manifest does not have (renamed or removed tests): harmless, but worth a profile. */
export function staleTimings(timings: Timings, itemIds: Iterable<string>): string[] {
  const known = new Set(itemIds);
  return Object.keys(timings.tests).filter((id) => !known.has(id));
}
