/**
 * Submission intake: copies a submitted folder or zip into a private temp folder (safely: no symlinks,
 * no paths outside it, bounded size), then decides which submitted files are the handin files and
 * where they go in the module tree. Everything the student should know about that is a Notice.
 *
 * The matching rules are in match.ts; the copy rules in copy-folder.ts and zip.ts.
 *
 * Over 300 lines on purpose: the handin matching and its notices (missing, unexpected, staff copies, sizes) are one decision about each slot and read best together.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DsgradeError } from '../errors.js';
import type { HandinEntry } from '../manifest/types.js';
import type { Notice } from '../model.js';
import { copyFolder } from './copy-folder.js';
import { isExported, scanGoDecls } from './go-decls.js';
import { matchSubmission } from './match.js';
import { formatBytes } from '../util/format-bytes.js';
import { basename } from './paths.js';
import { Budget, listPaths, SkipLog, type CopiedFile } from './safe-copy.js';
import { nearMisses } from './suggest.js';
import { extractZip, looksLikeZip } from './zip.js';
import { hasDoubleStar } from '../util/glob.js';

export interface HandinFile {
  /** Path inside the Go module root, e.g. "p0partA/server_impl.go". */
  treePath: string;
  /** Absolute path of the file inside the intake's own temp copy. */
  sourcePath: string;
  /** Path as the student knows it, relative to what they submitted, e.g. "handin/server_impl.go". */
  displayPath: string;
}

export interface IgnoredStaffCopy {
  treePath: string;
  displayPath: string;
  /** The content differs from the staff file. */
  differs: boolean;
  /**
   * Exported names the copy declares that the staff file does not (`Message.Describe`, `NewJob`):
   * the evidence of an edit. A copy that merely differs is usually the course's own version of the
   * file (ours reproduces its API, not its code), so only added names count as an edit.
   */
  added: string[];
  /** Every name the copy declares (Go files), for explaining build errors; see go-decls.ts. */
  declared: string[];
  package?: string;
}

/** A submitted Go file that no handin entry takes, with what it declares (for explaining build errors). */
export interface DroppedGoFile {
  displayPath: string;
  /** Name of the folder it was in ("bitcoin" for cmu440/bitcoin/common.go; "" at the top level). */
  folder: string;
  package?: string;
  declared: string[];
}

export interface IntakeResult {
  /** One per handin file taken, sorted by treePath. */
  files: HandinFile[];
  /**
   * Required handin paths (or patterns, as written) for which no file was taken: not found, or found
   * but refused (ambiguous copies, over maxBytes; those have their own notice).
   */
  missing: string[];
  /** Display paths of files ignored because no handin entry takes them. */
  unexpected: string[];
  /** The Go files among `unexpected` (at most MAX_SCANNED_DROPPED, the rest are not read). */
  droppedGoFiles: DroppedGoFile[];
  ignoredStaffCopies: IgnoredStaffCopy[];
  notices: Notice[];
  /** Temp folder holding the safe copy; removed by cleanup(). */
  workDir: string;
  cleanup(): Promise<void>;
}

export interface IntakeOptions {
  handin: HandinEntry[];
  /** Tree path → absolute path of the staff file (starter + staff overlay). */
  staffFiles: ReadonlyMap<string, string>;
  /** Where to make the temp copy (default os.tmpdir()). */
  tmpRoot?: string;
  /** Default 2000 files. */
  maxFiles?: number;
  /** Default 50 MiB, counted unpacked. */
  maxTotalBytes?: number;
}

export const DEFAULT_MAX_FILES = 2000;
export const DEFAULT_MAX_TOTAL_BYTES = 50 * 1024 * 1024;
/** Entries looked at (folders, skipped and ignored entries too) per allowed file. */
const ENTRIES_PER_FILE = 10;
const UNEXPECTED_LISTED = 10;
const STAFF_COPIES_LISTED = 8;
/** Dropped Go files read for explanations; a submission with more is not helped by more. */
const MAX_SCANNED_DROPPED = 200;
const MAX_SCANNED_BYTES = 1024 * 1024;
const ARCHIVE_RE = /\.(zip|tar|tgz|tar\.gz|rar|7z)$/i;

/**
 * intakeSubmission takes a submission (a folder, or a zip file detected by its first bytes) and
 * returns the handin files found in it, in a private copy. The caller must call cleanup().
 */
export async function intakeSubmission(submission: string, opts: IntakeOptions): Promise<IntakeResult> {
  const st = await statSubmission(submission);
  const workDir = await fs.mkdtemp(path.join(opts.tmpRoot ?? os.tmpdir(), 'dsgrade-intake-'));
  const cleanup = (): Promise<void> => fs.rm(workDir, { recursive: true, force: true });
  try {
    const copyRoot = path.join(workDir, 'submission');
    await fs.mkdir(copyRoot);
    const maxFiles = opts.maxFiles ?? DEFAULT_MAX_FILES;
    const budget = new Budget(submission, {
      maxFiles,
      maxTotalBytes: opts.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES,
      maxEntries: maxFiles * ENTRIES_PER_FILE,
    });
    const skips = new SkipLog();
    let copied: CopiedFile[];
    if (st.isDirectory()) {
      copied = await copyFolder(path.resolve(submission), copyRoot, budget, skips);
    } else if (st.isFile() && (await looksLikeZip(submission))) {
      copied = await extractZip(path.resolve(submission), copyRoot, budget, skips);
    } else {
      throw notFolderOrZip(submission);
    }
    copied.sort((a, b) => cmp(a.rel, b.rel));
    const decided = await decide(copied, opts, skips);
    return { ...decided, workDir, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function statSubmission(submission: string): Promise<import('node:fs').Stats> {
  try {
    return await fs.stat(submission);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DsgradeError('SUBMISSION_NOT_FOUND', `submission not found: ${submission}`, {
        file: submission,
        fix: "check the path; pass the folder the student handed in, or their .zip file",
        cause: err,
      });
    }
    throw new DsgradeError('SUBMISSION_UNREADABLE', `cannot read submission: ${submission} (${code ?? String(err)})`, {
      file: submission,
      fix: 'make sure the grader can read the submission, then run again',
      cause: err,
    });
  }
}

function notFolderOrZip(submission: string): DsgradeError {
  if (/\.zip$/i.test(submission)) {
    return new DsgradeError('SUBMISSION_UNREADABLE', `cannot read submission: ${submission} is not a zip file (it does not start like one)`, {
      file: submission,
      fix: 'create the zip again with a standard tool (e.g. `zip -r handin.zip <files>`); renaming another file to .zip does not make it a zip',
    });
  }
  return new DsgradeError('SUBMISSION_UNREADABLE', `cannot read submission: ${submission} is neither a folder nor a zip file`, {
    file: submission,
    fix: 'pass the folder the student handed in, or their .zip file',
  });
}

type Decided = Omit<IntakeResult, 'workDir' | 'cleanup'>;

async function decide(copied: CopiedFile[], opts: IntakeOptions, skips: SkipLog): Promise<Decided> {
  const byRel = new Map(copied.map((f) => [f.rel, f]));
  const fileOf = (rel: string): CopiedFile => byRel.get(rel) as CopiedFile;
  const match = matchSubmission(
    copied.map((f) => f.rel),
    opts.handin,
    opts.staffFiles.keys(),
  );
  const notices: Notice[] = skips.notices();
  const files: HandinFile[] = [];
  const handled = new Set<string>(); // tree paths with a notice already explaining why nothing was taken
  const takenRels = new Set<string>();
  const takenByEntry = new Set<number>();

  for (const slot of match.slots) {
    const entry = opts.handin[slot.entry] as HandinEntry;
    let chosen: string | undefined;
    if (slot.best.length === 1) {
      chosen = slot.best[0];
    } else if (await allIdentical(slot.best.map((rel) => fileOf(rel).absPath))) {
      chosen = slot.best[0];
      notices.push({
        level: 'info',
        message: `You handed in identical copies of ${slot.treePath}: ${andList(slot.best)}; ${chosen} was graded. Hand in only one copy.`,
      });
    } else {
      handled.add(slot.treePath);
      notices.push({
        level: 'error',
        message:
          `You handed in ${slot.best.length} different copies of ${slot.treePath}, equally well placed: ${andList(slot.best)}. ` +
          `None of them was graded. Hand in only one copy (delete the others).`,
      });
    }
    if (chosen !== undefined && slot.others.length > 0) {
      notices.push({
        level: 'warning',
        message:
          `Graded ${chosen} as ${slot.treePath}; also handed in ${andList(slot.others)}, ignored because its folders match the ` +
          `project layout less well. Hand in only one copy.`,
      });
    }
    if (chosen === undefined) continue;
    const file = fileOf(chosen);
    if (file.size > entry.maxBytes) {
      handled.add(slot.treePath);
      notices.push({
        level: 'error',
        message:
          `${chosen} is ${formatBytes(file.size)}, over the ${formatBytes(entry.maxBytes)} limit for ${slot.treePath}, so it was not graded. ` +
          `Hand in the source file only, without generated or embedded data.`,
      });
      continue;
    }
    files.push({ treePath: slot.treePath, sourcePath: file.absPath, displayPath: chosen });
    takenRels.add(chosen);
    takenByEntry.add(slot.entry);
  }

  const ignoredStaffCopies: IgnoredStaffCopy[] = [];
  for (const copy of match.staffCopies) {
    ignoredStaffCopies.push(await compareWithStaff(copy.file, fileOf(copy.file).absPath, copy.treePaths, opts.staffFiles));
  }
  notices.push(...staffCopyNotices(ignoredStaffCopies));

  for (const u of match.unplaceable) {
    notices.push({
      level: 'error',
      message:
        `Could not tell where ${u.file} belongs: it fits ${andList(u.treePaths, 'or')} equally well, so it was not graded. ` +
        `Put it in the folder it belongs to (${andList(u.treePaths.map(folderOf), 'or')}).`,
    });
  }

  // Candidates for near-miss suggestions; unplaceable files already have their own notice.
  const explained = new Set([...match.staffCopies, ...match.unplaceable].map((c) => c.file));
  const leftovers = copied.map((f) => f.rel).filter((rel) => !takenRels.has(rel) && !explained.has(rel));
  const archives = copied.map((f) => f.rel).filter((rel) => ARCHIVE_RE.test(rel));
  const missing: string[] = [];
  opts.handin.forEach((entry, index) => {
    if (!entry.required) return;
    if (entry.path !== undefined) {
      if (files.some((f) => f.treePath === entry.path)) return;
      missing.push(entry.path);
      if (!handled.has(entry.path)) notices.push({ level: 'error', message: missingMessage(entry.path, false, leftovers, archives) });
    } else if (entry.pattern !== undefined) {
      if (takenByEntry.has(index)) return;
      missing.push(entry.pattern);
      notices.push({ level: 'error', message: missingMessage(entry.pattern, true, leftovers, archives) });
    }
  });

  if (match.unexpected.length > 0) {
    const n = match.unexpected.length;
    // Go files first: they are the ones a build may miss.
    const listed = [...match.unexpected.filter(isGoFile), ...match.unexpected.filter((f) => !isGoFile(f))];
    notices.push({
      level: 'info',
      message: `Ignored ${n === 1 ? '1 file that is not a handin file' : `${n} files that are not handin files`} (only the handin files are graded): ${listPaths(listed, UNEXPECTED_LISTED)}.`,
    });
  }
  const droppedGoFiles: DroppedGoFile[] = [];
  for (const rel of match.unexpected.filter((f) => isGoFile(f) && fileOf(f).size <= MAX_SCANNED_BYTES).slice(0, MAX_SCANNED_DROPPED)) {
    const decls = scanGoDecls(await fs.readFile(fileOf(rel).absPath, 'utf8'));
    const segments = rel.split('/');
    droppedGoFiles.push({ displayPath: rel, folder: segments.length > 1 ? (segments[segments.length - 2] as string) : '', declared: decls.names, ...(decls.package ? { package: decls.package } : {}) });
  }

  files.sort((a, b) => cmp(a.treePath, b.treePath));
  return { files, missing, unexpected: match.unexpected, droppedGoFiles, ignoredStaffCopies, notices };
}

function isGoFile(rel: string): boolean {
  return rel.endsWith('.go');
}

/**
 * One warning per edited staff copy (it adds declarations, named), and one info for all the others:
 * a student who zipped the whole tree hands in every staff file, and that needs no action.
 */
function staffCopyNotices(copies: readonly IgnoredStaffCopy[]): Notice[] {
  const notices: Notice[] = [];
  const named = (c: IgnoredStaffCopy): string => (c.displayPath === c.treePath ? c.treePath : `${c.displayPath} (the project's ${c.treePath})`);
  for (const c of copies.filter((x) => x.added.length > 0)) {
    notices.push({
      level: 'warning',
      message:
        `You handed in an edited copy of ${named(c)}, a staff file: the staff copy is used, so what your copy adds (${listPaths(c.added, 5)}) ` +
        `does not exist when your code is built. Move it into one of your own handin files.`,
    });
  }
  const plain = copies.filter((x) => x.added.length === 0);
  const [only] = plain;
  if (plain.length === 1 && only) {
    notices.push({
      level: 'info',
      message: only.differs
        ? `You handed in ${named(only)}, a staff file: the staff copy is used (your copy differs but declares nothing the staff copy lacks).`
        : `You handed in ${named(only)}, a staff file (identical to the staff copy): the staff copy is used.`,
    });
  } else if (plain.length > 1) {
    notices.push({
      level: 'info',
      message: `You handed in ${plain.length} staff files; the staff copies are used (yours declare nothing the staff copies lack): ${listPaths(plain.map(named), STAFF_COPIES_LISTED)}.`,
    });
  }
  return notices;
}

function missingMessage(wanted: string, isPattern: boolean, leftovers: readonly string[], archives: readonly string[]): string {
  const name = basename(wanted);
  const folder = wanted.includes('/') ? wanted.slice(0, wanted.lastIndexOf('/')) : '';
  const where = hasDoubleStar(wanted)
    ? 'in the project folders, laid out as in the starter code'
    : folder === ''
      ? 'at the top level of your submission'
      : `at the top level of your submission or inside a ${folder}/ folder`;
  const parts = isPattern
    ? [`No file handed in for ${wanted} (at least one is required): hand in files named like ${name} ${where}.`]
    : [`Missing handin file ${wanted}: hand in ${name} ${where}.`];
  const near = nearMisses(name, leftovers);
  // A file with exactly the right name that was not taken can only be too deep (see match.ts).
  const tooDeep = isPattern ? [] : near.filter((p) => basename(p) === name);
  const lookalikes = near.filter((p) => !tooDeep.includes(p));
  if (tooDeep.length > 0) {
    parts.push(`Found ${andList(tooDeep)}, but it is more than 2 folders deep and not inside a ${folder}/ folder, so it was not recognised: move it up.`);
  }
  if (lookalikes.length > 0) {
    parts.push(
      isPattern
        ? `Closest files you handed in: ${andList(lookalikes)}; move them ${where}.`
        : `Closest names you handed in: ${andList(lookalikes)}; if one of them is meant to be ${name}, rename it.`,
    );
  }
  if (archives.length > 0) {
    parts.push(`Your submission holds ${andList(archives)}: archives inside a submission are not opened; hand in the files themselves.`);
  }
  return parts.join(' ');
}

/**
 * compareWithStaff picks the staff path the copy is identical to, if any, else the one whose
 * declarations it matches best, and says what the copy declares beyond it.
 */
async function compareWithStaff(
  displayPath: string,
  copy: string,
  treePaths: readonly string[],
  staffFiles: ReadonlyMap<string, string>,
): Promise<IgnoredStaffCopy> {
  const mine = await fs.readFile(copy);
  const isGo = treePaths.some(isGoFile);
  const decls = isGo && mine.length <= MAX_SCANNED_BYTES ? scanGoDecls(mine.toString('utf8')) : { names: [] };
  let best: IgnoredStaffCopy | undefined;
  for (const treePath of treePaths) {
    const staff = await readStaff(treePath, staffFiles);
    const base = { treePath, displayPath, declared: decls.names, ...(decls.package ? { package: decls.package } : {}) };
    if (mine.equals(staff)) return { ...base, differs: false, added: [] };
    const staffNames = new Set(isGo ? scanGoDecls(staff.toString('utf8')).names : []);
    const added = decls.names.filter((n) => isExported(n) && !staffNames.has(n));
    if (!best || added.length < best.added.length) best = { ...base, differs: true, added };
  }
  return best as IgnoredStaffCopy;
}

async function readStaff(treePath: string, staffFiles: ReadonlyMap<string, string>): Promise<Buffer> {
  const abs = staffFiles.get(treePath) as string;
  try {
    return await fs.readFile(abs);
  } catch (err) {
    throw new DsgradeError('PROJECT_FILE_MISSING', `staff file missing: ${abs} (for ${treePath})`, {
      file: abs,
      fix: 'restore the file in the project starter or staff folder, or remove it from the project',
      cause: err,
    });
  }
}

async function allIdentical(paths: readonly string[]): Promise<boolean> {
  const [first, ...rest] = await Promise.all(paths.map((p) => fs.readFile(p)));
  return first !== undefined && rest.every((b) => b.equals(first));
}

function folderOf(treePath: string): string {
  const i = treePath.lastIndexOf('/');
  return i < 0 ? 'the top level' : `${treePath.slice(0, i)}/`;
}

function andList(items: readonly string[], word = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
