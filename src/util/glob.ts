/**
 * Globs for handin patterns, excludes and check files. `*` matches any run of characters and `?`
 * one character, neither ever crossing a `/`; a whole segment `**` matches any number of folders
 * (zero included), so `**` alone is "the whole tree", `lspnet/**` is everything under lspnet/ and
 * `**` + `/*_test.go` is every test file. Every other character is literal (no classes, no braces).
 */

/** isGlob reports whether a path segment or path holds a wildcard. */
export function isGlob(text: string): boolean {
  return /[*?]/.test(text);
}

/** hasDoubleStar reports whether a glob holds a `**` segment (it may then cross folders). */
export function hasDoubleStar(glob: string): boolean {
  return glob.split('/').includes('**');
}

/**
 * globProblem describes what is wrong with a glob written in a manifest, or returns undefined.
 * `**` must be a whole segment: `a**b` or `x/**.go` would silently mean `*`.
 */
export function globProblem(glob: string): string | undefined {
  if (glob === '') return 'is empty';
  const segments = glob.split('/');
  if (segments.some((s) => s === '')) return 'has an empty folder name (`//`, or a leading or trailing `/`)';
  if (segments.some((s) => s.includes('**') && s !== '**')) return '`**` must be a whole folder name (e.g. `bitcoin/**/*.go`), not part of one';
  if (segments.some((s, i) => s === '**' && segments[i + 1] === '**')) return 'has `**/**`, which means the same as `**`';
  return undefined;
}

function segmentSource(segment: string): string {
  let source = '';
  for (const ch of segment) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return source;
}

function globSource(glob: string): string {
  const segments = glob.split('/');
  let source = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') source += last ? '.+' : '(?:[^/]+/)*';
    else source += segmentSource(segment) + (last ? '' : '/');
  });
  return source;
}

/** compileGlob turns a glob (a whole slash-separated path, or one segment) into an anchored RegExp. */
export function compileGlob(glob: string): RegExp {
  return new RegExp(`^${globSource(glob)}$`, 'u');
}

/** SegmentMatcher tests one path segment. */
export type SegmentMatcher = (segment: string) => boolean;

/**
 * segmentMatchers splits a slash-separated path or glob into one matcher per segment. Only for
 * globs without `**` (a `**` segment stands for any number of segments; see intake/match.ts).
 */
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

/**
 * globSample is one path the glob matches, made by reading every wildcard as a plain name
 * (`lsp/*.go` → `lsp/x.go`, `bitcoin/**` + `/*.go` → `bitcoin/x.go`). Used to ask whether a check's glob
 * can name handin files at all, where comparing two globs exactly would need a language inclusion test.
 */
export function globSample(glob: string): string {
  const segments = glob.split('/');
  return segments
    .filter((s, i) => s !== '**' || i === segments.length - 1)
    .map((s) => s.replace(/[*?]+/g, 'x'))
    .join('/');
}
