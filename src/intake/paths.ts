/**
 * Path rules shared by the folder copy and the zip extraction: which names are silently dropped
 * (editor and OS clutter), and how an archive entry name becomes a safe relative path.
 */

/** Folders dropped with everything inside them, at any depth, without a notice. */
const IGNORED_FOLDERS = new Set(['__MACOSX', '.git', '.idea', '.vscode']);

/** isIgnoredFolder reports whether a folder name is clutter to skip silently. */
export function isIgnoredFolder(name: string): boolean {
  return IGNORED_FOLDERS.has(name);
}

/** isIgnoredFile reports whether a file name is clutter to skip silently (Finder metadata, AppleDouble). */
export function isIgnoredFile(name: string): boolean {
  return name === '.DS_Store' || name.startsWith('._');
}

/** isIgnoredPath applies both rules to a normalized relative path. */
export function isIgnoredPath(rel: string): boolean {
  const segments = rel.split('/');
  const base = segments.pop() ?? '';
  return segments.some(isIgnoredFolder) || isIgnoredFile(base);
}

export type EntryPath =
  | { ok: true; rel: string; isFolder: boolean }
  | { ok: false; reason: 'absolute' | 'escapes' | 'badname' };

/**
 * normalizeEntryPath turns an archive entry name into a relative slash-separated path, or refuses it.
 * Backslashes count as separators (Windows tools write them). Absolute names (`/x`, `C:x`, `\\host`)
 * are refused, and so is any name with a `..` segment, even one that would stay inside the folder:
 * such names only come from broken or hostile tools. `.` and empty segments are dropped.
 */
export function normalizeEntryPath(name: string): EntryPath {
  if (name.includes('\0')) return { ok: false, reason: 'badname' };
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return { ok: false, reason: 'absolute' };
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { ok: false, reason: 'escapes' };
  if (segments.length === 0) return { ok: false, reason: 'badname' };
  return { ok: true, rel: segments.join('/'), isFolder: slashed.endsWith('/') };
}

/** depth is the number of folders above a relative path (`a.go` → 0, `x/y/a.go` → 2). */
export function depth(rel: string): number {
  return rel.split('/').length - 1;
}

export function basename(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? rel : rel.slice(i + 1);
}

