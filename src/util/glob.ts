/**
 * Globs for handin patterns and excludes. `*` matches any run of characters and `?` one character,
 * neither ever crossing a `/`; every other character is literal (no classes, no braces, no `**`).
 */

/** isGlob reports whether a path segment or path holds a wildcard. */
export function isGlob(text: string): boolean {
  return /[*?]/.test(text);
}

function globSource(glob: string): string {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return source;
}

/** compileGlob turns a glob (a whole slash-separated path, or one segment) into an anchored RegExp. */
export function compileGlob(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`, 'u');
}

/** SegmentMatcher tests one path segment. */
export type SegmentMatcher = (segment: string) => boolean;

/** segmentMatchers splits a slash-separated path or glob into one matcher per segment. */
export function segmentMatchers(pathOrGlob: string): SegmentMatcher[] {
  return pathOrGlob.split('/').map((segment) => {
    if (!isGlob(segment)) return (s: string) => s === segment;
    const re = compileGlob(segment);
    return (s: string) => re.test(s);
  });
}

/** matchesGlob reports whether a whole slash-separated tree path matches a handin glob. */
export function matchesGlob(glob: string, treePath: string): boolean {
  return compileGlob(glob).test(treePath);
}
