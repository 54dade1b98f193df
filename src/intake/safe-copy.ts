/**
 * What the folder copy and the zip extraction share: the size budget that stops zip bombs and
 * runaway folders, the log of entries skipped for safety, and the list of files written.
 */
import { DsgradeError } from '../errors.js';
import type { Notice } from '../model.js';
import { formatBytes } from '../util/format-bytes.js';

/** One regular file now in the intake's own copy. */
export interface CopiedFile {
  /** Relative slash-separated path inside the submission, as the student knows it. */
  rel: string;
  /** Absolute path of the copy. */
  absPath: string;
  size: number;
}

export interface CopyLimits {
  maxFiles: number;
  maxTotalBytes: number;
  /** Every entry looked at (folders and skipped entries too); bounds the work on hostile inputs. */
  maxEntries: number;
}

/**
 * Budget counts files and bytes taken from the submission and throws SUBMISSION_UNSAFE as soon as a
 * limit is crossed, before anything beyond the limit is written.
 */
export class Budget {
  files = 0;
  bytes = 0;
  entries = 0;

  constructor(
    private readonly submission: string,
    readonly limits: CopyLimits,
  ) {}

  entry(): void {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries) {
      throw this.unsafe(`holds more than ${this.limits.maxEntries} files and folders`);
    }
  }

  file(): void {
    this.files += 1;
    if (this.files > this.limits.maxFiles) throw this.unsafe(`holds more than ${this.limits.maxFiles} files`);
  }

  /** addBytes charges n bytes (a file's size, or a zip entry's declared size) before they are written. */
  addBytes(n: number): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxTotalBytes) {
      throw this.unsafe(`holds more than ${formatBytes(this.limits.maxTotalBytes)} of files once unpacked`);
    }
  }

  /** remaining is how many more bytes may be written. */
  remaining(): number {
    return this.limits.maxTotalBytes - this.bytes;
  }

  private unsafe(what: string): DsgradeError {
    return new DsgradeError('SUBMISSION_UNSAFE', `unsafe submission: ${this.submission} ${what}; nothing from it is graded`, {
      file: this.submission,
      fix: 'hand in only the files the project asks for (leave out build outputs, binaries, data, logs and dependency folders), then submit again',
    });
  }
}

export type SkipReason = 'symlink' | 'special' | 'absolute' | 'escapes' | 'badname' | 'duplicate' | 'conflict' | 'encrypted' | 'unsupported';

const SKIP_TEXT: Record<SkipReason, { level: Notice['level']; text: string }> = {
  symlink: { level: 'warning', text: 'symbolic links are never followed; hand in the file itself, not a link to it' },
  special: { level: 'warning', text: 'not a regular file (device, pipe or socket)' },
  absolute: { level: 'warning', text: 'refused: an absolute path; nothing was written for it' },
  escapes: { level: 'warning', text: "refused: a '..' in the path would leave the submission folder; nothing was written for it" },
  badname: { level: 'warning', text: 'refused: the name is empty or holds a NUL character' },
  duplicate: { level: 'warning', text: 'the zip holds this path more than once; the first copy was kept' },
  conflict: { level: 'warning', text: 'the zip holds a file and a folder with the same path; the first one was kept' },
  encrypted: { level: 'warning', text: 'the entry is password-protected and cannot be read; zip it again without a password' },
  unsupported: { level: 'warning', text: 'the entry uses a compression method dsgrade cannot read; zip it again with a standard zip tool' },
};

/** SkipLog collects entries skipped for safety and reports them as one notice per reason. */
export class SkipLog {
  private readonly byReason = new Map<SkipReason, string[]>();

  add(reason: SkipReason, displayPath: string): void {
    const list = this.byReason.get(reason) ?? [];
    list.push(displayPath);
    this.byReason.set(reason, list);
  }

  get(reason: SkipReason): readonly string[] {
    return this.byReason.get(reason) ?? [];
  }

  notices(): Notice[] {
    const out: Notice[] = [];
    for (const [reason, paths] of this.byReason) {
      const { level, text } = SKIP_TEXT[reason];
      out.push({ level, message: `Skipped ${listPaths(paths)}: ${text}.` });
    }
    return out;
  }
}

/** listPaths names up to `max` paths and counts the rest. */
export function listPaths(paths: readonly string[], max = 10): string {
  const shown = paths.slice(0, max).join(', ');
  return paths.length > max ? `${shown} and ${paths.length - max} more` : shown;
}
