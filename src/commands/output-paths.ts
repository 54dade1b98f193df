/**
 * Output files named on the command line (--out, --junit, …) are checked before grading starts:
 * a path dsgrade cannot write is bad input (exit 2), not a stack trace after a ten-minute grade.
 */
import path from 'node:path';
import { DsgradeError } from '../errors.js';
import { probeWritable } from '../report/atomic-write.js';

/** Throws USAGE naming the option, the path and why it cannot be written. */
export async function checkOutputFile(option: string, file: string): Promise<void> {
  const abs = path.resolve(file);
  try {
    await probeWritable(abs);
  } catch (err) {
    throw unwritable(option, abs, err, 'before grading');
  }
}

/** The error for a write that failed after grading (the folder went away, the disk filled up). */
export function unwritable(option: string, file: string, err: unknown, when: 'before grading' | 'after grading'): DsgradeError {
  const e = err as NodeJS.ErrnoException;
  const folder = e.code === 'EISDIR';
  const reason = folder ? 'it is a folder' : e.code === 'EEXIST' || e.code === 'ENOTDIR' ? `a file is in the way (${e.path ?? path.dirname(file)})` : e.code ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '')}` : String(err);
  const example = folder ? path.join(file, 'results.json') : path.join(process.cwd(), path.basename(file) || 'results.json');
  return new DsgradeError('USAGE', `cannot write ${option} ${file}: ${reason}`, {
    fix:
      when === 'before grading'
        ? `name a file in a folder you can write, e.g. ${option} ${example}; nothing was graded`
        : `the grade above is complete but ${option} was not written: fix the folder or free the disk, then rerun with the same --seed`,
  });
}

/** The same for an output folder (batch --out): it may exist; dsgrade must be able to create files in it. */
export async function checkOutputFolder(option: string, dir: string): Promise<void> {
  const abs = path.resolve(dir);
  try {
    await probeWritable(path.join(abs, '.dsgrade-write-check'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reason = e.code === 'ENOTDIR' || e.code === 'EEXIST' ? 'a file is in the way' : e.code ? `${e.code}: ${e.message.replace(/^[A-Z]+: /, '')}` : String(err);
    throw new DsgradeError('USAGE', `cannot write ${option} ${abs}: ${reason}`, { fix: `name a folder you can write, e.g. ${option} ${path.join(process.cwd(), 'grades')}; nothing was graded` });
  }
}
