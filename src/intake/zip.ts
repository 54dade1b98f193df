/**
 * Extracts a submitted zip into the intake's temp folder without trusting anything in it: names are
 * normalized and refused when absolute or holding `..`; symlink entries are skipped, never created;
 * sizes are checked against the budget before a byte is written, and an entry that inflates past the
 * size its header declares is stopped at that size.
 */
import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { DsgradeError } from '../errors.js';
import { isIgnoredPath, normalizeEntryPath } from './paths.js';
import type { Budget, CopiedFile, SkipLog } from './safe-copy.js';

const ZIP_MAGIC = [
  Buffer.from([0x50, 0x4b, 0x03, 0x04]), // local file header
  Buffer.from([0x50, 0x4b, 0x05, 0x06]), // end of central directory: an empty zip
  Buffer.from([0x50, 0x4b, 0x07, 0x08]), // spanned archive marker
];

/** looksLikeZip checks the first four bytes of a file, whatever its name. */
export async function looksLikeZip(file: string): Promise<boolean> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return bytesRead === 4 && ZIP_MAGIC.some((m) => m.equals(head));
  } finally {
    await fh.close();
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const MSDOS_DIR = 0x10;

export async function extractZip(zipPath: string, destRoot: string, budget: Budget, skips: SkipLog): Promise<CopiedFile[]> {
  let zip: yauzl.ZipFile;
  try {
    // decodeStrings off: yauzl would abort the whole archive on one `..` name; we refuse just that entry.
    // validateEntrySizes off: writeEntry checks sizes itself, so a lying header is reported as unsafe.
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false });
  } catch (err) {
    throw corrupt(zipPath, err);
  }
  const copied: CopiedFile[] = [];
  const written = new Set<string>();
  try {
    if (zip.entryCount > budget.limits.maxEntries) budget.entry(); // fails fast, before reading any entry
    for await (const entry of zip.eachEntry()) {
      budget.entry();
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const norm = normalizeEntryPath(name);
      if (!norm.ok) {
        skips.add(norm.reason, JSON.stringify(name));
        continue;
      }
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      const isFolder = norm.isFolder || mode === S_IFDIR || (mode === 0 && (entry.externalFileAttributes & MSDOS_DIR) !== 0);
      if (isIgnoredPath(norm.rel)) continue;
      if (mode === S_IFLNK) {
        skips.add('symlink', norm.rel);
        continue;
      }
      if (isFolder) continue; // folders are made as files need them
      if (entry.isEncrypted()) {
        skips.add('encrypted', norm.rel);
        continue;
      }
      if (!entry.canDecodeFileData()) {
        skips.add('unsupported', norm.rel);
        continue;
      }
      if (written.has(norm.rel)) {
        skips.add('duplicate', norm.rel);
        continue;
      }
      budget.file();
      budget.addBytes(entry.uncompressedSize);
      const absPath = path.join(destRoot, ...norm.rel.split('/'));
      const size = await writeEntry(zip, entry, absPath, () =>
        new DsgradeError('SUBMISSION_UNSAFE', `unsafe submission: ${zipPath}: entry ${norm.rel} inflates past the size its header declares; nothing from it is graded`, {
          file: zipPath,
          fix: 'create the zip again with a standard tool (e.g. `zip -r handin.zip <files>`) and hand it in again',
        }),
      );
      if (size === undefined) {
        skips.add('conflict', norm.rel);
        continue;
      }
      written.add(norm.rel);
      copied.push({ rel: norm.rel, absPath, size });
    }
  } catch (err) {
    if (err instanceof DsgradeError) throw err;
    throw corrupt(zipPath, err);
  } finally {
    zip.close();
  }
  return copied;
}

/** writeEntry streams one entry to absPath; undefined when a file or folder already holds that path. */
async function writeEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, absPath: string, lying: () => DsgradeError): Promise<number | undefined> {
  try {
    await fs.mkdir(path.dirname(absPath), { recursive: true });
  } catch (err) {
    if (isPathClash(err)) return undefined;
    throw err;
  }
  // `wx`: never overwrite, never write through anything already there.
  const out = createWriteStream(absPath, { flags: 'wx', mode: 0o644 });
  try {
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
  } catch (err) {
    if (isPathClash(err)) return undefined;
    throw err;
  }
  // The declared size was already charged to the budget; this only guards against lying headers.
  const cap = entry.uncompressedSize;
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > cap) {
        done(lying());
        return;
      }
      done(null, chunk);
    },
    flush(done) {
      done(size === cap ? null : new Error(`entry ${path.basename(absPath)} is shorter than its header says (${size} of ${cap} bytes)`));
    },
  });
  const input = await zip.openReadStreamPromise(entry);
  await pipeline(input, counter, out);
  return size;
}

function isPathClash(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR';
}

function corrupt(zipPath: string, cause: unknown): DsgradeError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new DsgradeError('SUBMISSION_UNREADABLE', `cannot read submission: ${zipPath} is not a readable zip file (${detail})`, {
    file: zipPath,
    fix: 'create the zip again with a standard tool (e.g. `zip -r handin.zip <files>` or "Compress" in your file manager) and hand it in again',
    cause,
  });
}
