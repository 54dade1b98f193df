/**
 * Decides where each submitted file belongs in the module tree. Pure: paths in, decisions out.
 *
 * Students hand in files laid out in many ways (flat, in a `handin/` folder, in the full GOPATH tree),
 * so a submitted path S is compared with a tree path T from its last segment backwards:
 *
 * - k = how many trailing segments of S match trailing segments of T (a pattern segment matches by glob).
 * - A full match (k = all of T's segments) counts at any depth: `src/github.com/cmu440/p0partA/x.go`
 *   and `p0partA/x.go` both fully match `p0partA/x.go`.
 * - A partial match (0 < k < all of T) counts only when at most 2 folders of S sit above the matched
 *   part: `x.go`, `handin/x.go`, `Alice/p0/x.go` match `p0partA/x.go`; `a/b/c/x.go` does not.
 * - Rank = 2k, plus 1 for a full match; higher is better.
 *
 * Every submitted file is compared with every handin entry and every staff file, and goes to the
 * tree path(s) with its best rank. A file whose best rank ties a staff file is a staff copy and is
 * never taken (staff wins ties, so a pattern can never take a staff file). A file whose best rank ties
 * two different handin tree paths cannot be placed. Then, per tree path, the best-ranked file wins;
 * two files tied for best are ambiguous (see intake.ts).
 *
 * Patterns: a full match gives the tree path from S's last segments (`x/lsp/a.go` → `lsp/a.go`). A
 * partial match (e.g. a flat `a.go` for `lsp/*.go` → `lsp/a.go`) is allowed only when no submitted file
 * fully matches that pattern (the student did not use the folder, so the flat files are meant) and the
 * unmatched folders of the pattern hold no wildcard. A tree path the entry's `exclude` names (path or
 * glob) is never taken by that pattern.
 *
 * Patterns with a `**` segment (which crosses folders: `**` + `/*.go` is "every Go file of the tree") cannot be
 * placed by their last segments, since `**` says nothing about where the module root is. They match
 * only where the submission shows the module tree: an *anchor* is a folder of the submission under
 * which some file sits at a known tree path (a staff file, a starter stub or a handin path of two or
 * more segments, or go.mod) — `cmu440/` when the student zipped `cmu440/lsp/message.go`. A file
 * under an anchor (the deepest one, when anchors nest) has the tree path of its place below it, and
 * a `**` pattern takes it when that tree path matches (a full match). A file under no anchor can still
 * be taken by a `**` pattern that starts with a literal folder (`bitcoin/**` + `/*.go`): its tree path
 * then starts at the last folder of that name (`x/bitcoin/a.go` → `bitcoin/a.go`).
 *
 * Staff files: every staffPaths key except the exact handin `path`s (the starter ships stubs of those).
 */
import type { HandinEntry } from '../manifest/types.js';
import { compileGlob, hasDoubleStar, isGlob, segmentMatchers, type SegmentMatcher } from '../util/glob.js';

/** How many folders may sit above a partial match. */
export const MAX_PARTIAL_DEPTH = 2;

export interface TreeSlot {
  treePath: string;
  /** Index in the handin list of the entry that takes this tree path (an exact `path` entry first). */
  entry: number;
  /** Files tied for the best rank: one when the choice is clear. */
  best: string[];
  /** Lower-ranked copies, ignored. */
  others: string[];
}

export interface MatchResult {
  /** One per tree path some file was placed at, sorted by tree path. */
  slots: TreeSlot[];
  /** Files whose best match is a staff file; treePaths holds every staff path tied for best. */
  staffCopies: { file: string; treePaths: string[] }[];
  /** Files that fit two or more handin tree paths equally well. */
  unplaceable: { file: string; treePaths: string[] }[];
  /** Files no handin entry or staff file matches. */
  unexpected: string[];
}

interface Target {
  matchers: SegmentMatcher[];
  /** The target's own segments (for building tree paths of partial pattern matches). */
  segments: string[];
}

interface Candidate {
  treePath: string;
  rank: number;
  /** Handin entry index, or -1 for a staff file. */
  entry: number;
}

function target(pathOrGlob: string): Target {
  return { matchers: segmentMatchers(pathOrGlob), segments: pathOrGlob.split('/') };
}

/** compare returns k (matched trailing segments) or 0 when the match does not count. */
function compare(s: string[], t: Target): { k: number; full: boolean } {
  const n = t.matchers.length;
  let k = 0;
  while (k < n && k < s.length) {
    const m = t.matchers[n - 1 - k];
    const seg = s[s.length - 1 - k];
    if (m === undefined || seg === undefined || !m(seg)) break;
    k += 1;
  }
  if (k === 0) return { k: 0, full: false };
  if (k === n) return { k, full: true };
  if (s.length - k > MAX_PARTIAL_DEPTH) return { k: 0, full: false };
  return { k, full: false };
}

function rankOf(k: number, full: boolean): number {
  return 2 * k + (full ? 1 : 0);
}

/** Root-level tree paths that say "the module root is here" (other one-segment paths are too common a name). */
const ROOT_MARKERS = new Set(['go.mod', 'go.sum']);

/**
 * findAnchors returns the folder prefixes ('' or 'a/b/') under which the submission holds the module
 * tree: for every file that ends with a known tree path, the part before it. Deepest first.
 */
export function findAnchors(files: readonly string[], knownTreePaths: readonly string[]): string[] {
  const known = knownTreePaths.filter((t) => t.includes('/') || ROOT_MARKERS.has(t));
  const anchors = new Set<string>();
  for (const file of files) {
    for (const t of known) {
      if (file === t) anchors.add('');
      else if (file.endsWith(`/${t}`)) anchors.add(file.slice(0, file.length - t.length));
    }
  }
  return [...anchors].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

/** The tree path a `**` pattern gives a submitted file, or undefined when it does not take it. */
function crossFolderTreePath(file: string, segs: string[], glob: string, re: RegExp, anchors: readonly string[]): string | undefined {
  const anchor = anchors.find((a) => file.startsWith(a));
  if (anchor !== undefined) {
    const treePath = file.slice(anchor.length);
    return re.test(treePath) ? treePath : undefined;
  }
  const first = glob.split('/')[0] as string;
  if (isGlob(first)) return undefined;
  const at = segs.lastIndexOf(first, segs.length - 2);
  if (at < 0) return undefined;
  const treePath = segs.slice(at).join('/');
  return re.test(treePath) ? treePath : undefined;
}

export function matchSubmission(files: readonly string[], handin: readonly HandinEntry[], staffPaths: Iterable<string>): MatchResult {
  const exactHandin = new Set(handin.flatMap((e) => (e.path === undefined ? [] : [e.path])));
  const staff = [...staffPaths].filter((p) => !exactHandin.has(p)).sort();
  const staffSet = new Set(staff);
  const staffTargets = staff.map((p) => ({ path: p, target: target(p) }));

  const entries = handin.map((e, index) => {
    const glob = e.pattern ?? e.path ?? '';
    const excludes = e.exclude.map((x) => (isGlob(x) ? compileGlob(x) : x));
    const crossesFolders = e.pattern !== undefined && hasDoubleStar(glob);
    return { index, isPattern: e.pattern !== undefined, glob, target: target(glob), excludes, crossesFolders, re: compileGlob(glob) };
  });
  const split = files.map((f) => ({ file: f, segs: f.split('/') }));
  const anchors = entries.some((e) => e.crossesFolders) ? findAnchors(files, [...staff, ...exactHandin]) : [];

  // A pattern's flat fallback is off as soon as one submitted file sits in the pattern's folders.
  const patternHasFull = entries.map((e) => e.isPattern && split.some(({ segs }) => compare(segs, e.target).full));

  const excluded = (excludes: (string | RegExp)[], treePath: string): boolean =>
    excludes.some((x) => (typeof x === 'string' ? x === treePath : x.test(treePath)));

  const slots = new Map<string, { entry: number; entryIsPath: boolean; ranked: { file: string; rank: number }[] }>();
  const result: MatchResult = { slots: [], staffCopies: [], unplaceable: [], unexpected: [] };

  for (const { file, segs } of split) {
    const cands: Candidate[] = [];
    for (const e of entries) {
      if (e.crossesFolders) {
        const treePath = crossFolderTreePath(file, segs, e.glob, e.re, anchors);
        if (treePath === undefined || staffSet.has(treePath) || excluded(e.excludes, treePath)) continue;
        cands.push({ treePath, rank: rankOf(treePath.split('/').length, true), entry: e.index });
        continue;
      }
      const { k, full } = compare(segs, e.target);
      if (k === 0) continue;
      let treePath: string;
      if (!e.isPattern) {
        treePath = e.glob;
      } else if (full) {
        treePath = segs.slice(segs.length - k).join('/');
      } else {
        const head = e.target.segments.slice(0, e.target.segments.length - k);
        if (patternHasFull[e.index] || head.some(isGlob)) continue;
        treePath = [...head, ...segs.slice(segs.length - k)].join('/');
      }
      if (e.isPattern && (staffSet.has(treePath) || excluded(e.excludes, treePath))) continue;
      cands.push({ treePath, rank: rankOf(k, full), entry: e.index });
    }
    for (const st of staffTargets) {
      const { k, full } = compare(segs, st.target);
      if (k > 0) cands.push({ treePath: st.path, rank: rankOf(k, full), entry: -1 });
    }
    if (cands.length === 0) {
      result.unexpected.push(file);
      continue;
    }
    const bestRank = Math.max(...cands.map((c) => c.rank));
    const best = cands.filter((c) => c.rank === bestRank);
    const staffBest = best.filter((c) => c.entry < 0);
    if (staffBest.length > 0) {
      result.staffCopies.push({ file, treePaths: staffBest.map((c) => c.treePath) });
      continue;
    }
    const treePaths = [...new Set(best.map((c) => c.treePath))].sort();
    if (treePaths.length > 1) {
      result.unplaceable.push({ file, treePaths });
      continue;
    }
    const treePath = treePaths[0] as string;
    // Several entries may yield the same tree path (a path and a pattern): an exact path entry wins.
    const pathEntry = best.find((c) => !(entries[c.entry]?.isPattern ?? true));
    const chosen = pathEntry ?? best.reduce((a, b) => (b.entry < a.entry ? b : a));
    const slot = slots.get(treePath) ?? { entry: chosen.entry, entryIsPath: pathEntry !== undefined, ranked: [] };
    if (pathEntry !== undefined && !slot.entryIsPath) {
      slot.entry = pathEntry.entry;
      slot.entryIsPath = true;
    }
    slot.ranked.push({ file, rank: bestRank });
    slots.set(treePath, slot);
  }

  for (const [treePath, slot] of [...slots].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const top = Math.max(...slot.ranked.map((r) => r.rank));
    result.slots.push({
      treePath,
      entry: slot.entry,
      best: slot.ranked.filter((r) => r.rank === top).map((r) => r.file),
      others: slot.ranked.filter((r) => r.rank !== top).map((r) => r.file),
    });
  }
  return result;
}
