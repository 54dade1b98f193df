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
import { rawRunsIssues } from './runs-rules.js';
import { loadTimings, staleTimings, TIMINGS_FILE, type Timings } from './timings.js';
import type { Manifest } from './types.js';

export const MANIFEST_FILE = 'dsgrade.json';

export interface LoadedManifest {
  manifest: Manifest;
  /** Module-root-relative path → absolute path of every staff file (starter minus handin, plus overlay). */
  staffFiles: Map<string, string>;
  warnings: string[];
  /** The project's timings.json (docs/scheduling.md), when it has one. */
  timings?: Timings;
}

/** Accepts the project folder or the manifest file itself. */
export async function loadManifest(projectOrFile: string): Promise<LoadedManifest> {
  const file = await locateManifest(projectOrFile);
  // Editors on Windows may save a byte-order mark; JSON.parse rejects it.
  const text = (await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, '');
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
  const loaded = await checkManifestObject(raw, file);
  const timings = await loadTimings(path.dirname(file));
  if (!timings) return loaded;
  const stale = staleTimings(timings, gradedItemIds(loaded.manifest));
  if (stale.length > 0) {
    loaded.warnings.push(`${TIMINGS_FILE} has figures for ${stale.length} item(s) the manifest does not have (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ', …' : ''}): run \`dsgrade profile\` again`);
  }
  return { ...loaded, timings };
}

/** The ids timings.json may name: every go test, scenario and student-test variant. */
export function gradedItemIds(manifest: Manifest): string[] {
  return manifest.suites.flatMap((s) =>
    s.kind === 'gotest' ? s.tests.map((t) => `${s.id}/${t.name}`) : s.kind === 'scenario' ? s.scenarios.map((sc) => `${s.id}/${sc.name}`) : ['correct', ...s.buggy.map((b) => b.name)].map((v) => `${s.id}/${v}`),
  );
}

/**
 * checkManifestObject runs the loader's checks — schema, defaults, semantic rules — on a manifest
 * that is not (yet) a file: `file` is where it would be written, which relative paths are resolved
 * against. `dsgrade init` uses it to write only manifests that load.
 */
export async function checkManifestObject(raw: unknown, file: string): Promise<LoadedManifest> {
  const validate = schemaValidator('manifest.schema.json');
  if (!validate(raw)) {
    throw new ManifestError(file, schemaIssues(file, validate.errors ?? [], loadSchema('manifest.schema.json')));
  }
  const manifest = applyDefaults(raw as RawManifest, file);
  const issues: ManifestIssue[] = rawRunsIssues(raw as RawManifest, file);
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
  const message = String((err as Error).message);
  // V8 gives "at position N" for some syntax errors only ("Unexpected token …" and "Unexpected end
  // of JSON input" have none on Node 20), so find the offset ourselves when it is missing.
  const m = /position (\d+)/.exec(message);
  const pos = m ? Number(m[1]) : jsonErrorOffset(text);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}: ${message}`;
}

class JsonSyntaxAt {
  constructor(readonly offset: number) {}
}

/** The offset of the first character a strict JSON parser rejects (text.length if it runs out). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new JsonSyntaxAt(i);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const string = (): void => {
    i++; // opening quote
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') fail();
      if (c === '\\') {
        if (/^\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(text.slice(i, i + 6)) === null) fail();
        i += text[i + 1] === 'u' ? 6 : 2;
      } else i++;
    }
    fail();
  };
  const container = (close: string, member: () => void): void => {
    i++; // opening bracket
    ws();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      ws();
      if (text[i] === ',') i++;
      else if (text[i] === close) {
        i++;
        return;
      } else fail();
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      container('}', () => {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
      });
    } else if (c === '[') container(']', value);
    else if (c === '"') string();
    else {
      const lit = /^(?:true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)/.exec(text.slice(i));
      if (lit === null) fail();
      else i += lit[0].length;
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (err) {
    if (err instanceof JsonSyntaxAt) return err.offset;
    throw err;
  }
  return text.length;
}

export type { Visibility };
