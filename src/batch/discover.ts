/**
 * Finding the submissions of a class: a folder of folders and/or zips (one per student), or a
 * Gradescope "Export Submissions" download (folder or zip, see gradescope-export.ts). Every
 * submission gets a stable id, safe as a folder name, used for output folders, sharding and the
 * class summary.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import { Budget, SkipLog } from '../intake/safe-copy.js';
import { extractZip } from '../intake/zip.js';
import { isIgnoredFile, isIgnoredFolder } from '../intake/paths.js';
import { METADATA_FILE, parseSubmissionMetadata, type Submitter } from './gradescope-export.js';

export interface BatchSubmission {
  /** Stable id: the folder (or zip) name, made safe as a file name. */
  id: string;
  /** Folder or .zip to grade. */
  path: string;
  submitters: Submitter[];
}

export interface Discovered {
  layout: 'gradescope-export' | 'folders';
  /** Sorted by id. */
  submissions: BatchSubmission[];
  warnings: string[];
}

export interface DiscoverOptions {
  /** Where a zipped export is unpacked (required when `input` is a .zip file). */
  extractDir?: string;
  /** Folders never taken as submissions (e.g. the output folder when it sits inside the input). */
  exclude?: string[];
}

export async function discoverSubmissions(input: string, opts: DiscoverOptions = {}): Promise<Discovered> {
  const abs = path.resolve(input);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch {
    throw new DsgradeError('SUBMISSION_NOT_FOUND', `submissions folder not found: ${input}`, { fix: 'pass a folder of submissions (folders or zips) or a Gradescope export (folder or .zip)' });
  }
  let root = abs;
  if (stat.isFile()) {
    if (!opts.extractDir) throw new DsgradeError('USAGE', `cannot unpack ${input}: no folder to unpack it into`);
    await fs.rm(opts.extractDir, { recursive: true, force: true });
    await fs.mkdir(opts.extractDir, { recursive: true });
    const skips = new SkipLog();
    await extractZip(abs, opts.extractDir, new Budget(abs, { maxFiles: 200_000, maxTotalBytes: 20 * 1024 ** 3, maxEntries: 400_000 }), skips);
    root = opts.extractDir;
  }
  const exclude = new Set((opts.exclude ?? []).map((p) => path.resolve(p)));
  const metadataRoot = await findMetadata(root);
  if (metadataRoot) return fromExport(metadataRoot, exclude);
  return fromFolders(root, exclude);
}

/** The folder holding submission_metadata.yml: the root or a single wrapper folder inside it. */
async function findMetadata(root: string): Promise<string | undefined> {
  if (await isFile(path.join(root, METADATA_FILE))) return root;
  const entries = (await fs.readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !isIgnoredFolder(e.name));
  for (const e of entries) if (await isFile(path.join(root, e.name, METADATA_FILE))) return path.join(root, e.name);
  return undefined;
}

async function fromExport(root: string, exclude: Set<string>): Promise<Discovered> {
  const warnings: string[] = [];
  const entries = parseSubmissionMetadata(await fs.readFile(path.join(root, METADATA_FILE), 'utf8'));
  const known = new Map(entries.map((e) => [e.key, e]));
  const folders = (await fs.readdir(root, { withFileTypes: true })).filter((e) => (e.isDirectory() || e.name.endsWith('.zip')) && !skipName(e.name) && !exclude.has(path.join(root, e.name)));
  const submissions: BatchSubmission[] = [];
  for (const f of folders) {
    const key = f.name.replace(/\.zip$/, '');
    const meta = known.get(key);
    if (!meta) warnings.push(`${f.name} is not listed in ${METADATA_FILE}; graded without student names`);
    submissions.push({ id: safeId(key), path: path.join(root, f.name), submitters: meta?.submitters ?? [] });
  }
  const present = new Set(folders.map((f) => f.name.replace(/\.zip$/, '')));
  const missing = entries.filter((e) => !present.has(e.key)).map((e) => e.key);
  if (missing.length > 0) warnings.push(`${missing.length} submission(s) listed in ${METADATA_FILE} have no folder: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  return { layout: 'gradescope-export', submissions: dedupe(submissions, warnings), warnings };
}

async function fromFolders(root: string, exclude: Set<string>): Promise<Discovered> {
  const warnings: string[] = [];
  const submissions: BatchSubmission[] = [];
  for (const e of await fs.readdir(root, { withFileTypes: true })) {
    if (skipName(e.name) || exclude.has(path.join(root, e.name))) continue;
    if (e.isDirectory()) submissions.push({ id: safeId(e.name), path: path.join(root, e.name), submitters: [] });
    else if (e.isFile() && e.name.toLowerCase().endsWith('.zip')) submissions.push({ id: safeId(e.name.slice(0, -4)), path: path.join(root, e.name), submitters: [] });
    else if (e.isFile() && !isIgnoredFile(e.name)) warnings.push(`${e.name} is neither a folder nor a .zip; skipped`);
  }
  return { layout: 'folders', submissions: dedupe(submissions, warnings), warnings };
}

function skipName(name: string): boolean {
  return name.startsWith('.') || isIgnoredFolder(name) || isIgnoredFile(name);
}

/** Makes a name safe as one path segment: keeps letters, digits, `.`, `_`, `-`, `@`. */
export function safeId(name: string): string {
  const s = name.normalize('NFC').replace(/[^A-Za-z0-9._@-]+/g, '_').replace(/^[._]+/, '');
  return s === '' ? 'submission' : s.slice(0, 120);
}

function dedupe(list: BatchSubmission[], warnings: string[]): BatchSubmission[] {
  const seen = new Map<string, number>();
  const sorted = [...list].sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const s of sorted) {
    const n = seen.get(s.id) ?? 0;
    seen.set(s.id, n + 1);
    if (n > 0) {
      const id = `${s.id}~${n + 1}`;
      warnings.push(`two submissions are named ${s.id}; ${path.basename(s.path)} is graded as ${id}`);
      s.id = id;
    }
  }
  return sorted.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}
