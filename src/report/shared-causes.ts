/**
 * One cause, one message: failed tests whose output shows the same root cause — the same data race
 * (the same two access stacks), the same panic or fatal error at the same place — are grouped, so a
 * student reads "the same data race (server_impl.go:282 vs :301) failed these 20 tests" once instead
 * of 20 unrelated-looking failures. Pure: test results in, groups out. Scoring never looks at this.
 */
import type { TestResult, Visibility } from '../model.js';

export interface SharedCause {
  kind: 'race' | 'panic';
  /** Identifies the cause: the same key is the same cause. */
  key: string;
  /** e.g. "the same data race (server_impl.go:282 vs :301)". */
  title: string;
  /** The stack tops, quoted: "Write at p0partA/server_impl.go:282 in (*server).Close". */
  detail: string[];
  /** Ids of the failed tests it explains, in report order (two or more). */
  tests: string[];
}

interface Frame {
  func: string;
  /** Absolute path and line, as Go prints them: /x/y/server_impl.go:282. */
  at: string;
}

interface Found {
  kind: SharedCause['kind'];
  key: string;
  title: string;
  detail: string[];
}

/** Race reports looked at per test: a test with more is not explained better by more groups. */
const MAX_RACES_PER_TEST = 3;

/**
 * findSharedCauses returns the causes that two or more of the failed tests share, most tests first.
 * A test with several different races belongs to each of their groups.
 */
export function findSharedCauses(tests: readonly TestResult[]): SharedCause[] {
  const groups = new Map<string, SharedCause>();
  for (const test of tests) {
    if (test.verdict !== 'failed') continue;
    for (const found of causesIn(test.output)) {
      const group = groups.get(found.key) ?? { ...found, tests: [] };
      if (!group.tests.includes(test.id)) group.tests.push(test.id);
      groups.set(found.key, group);
    }
  }
  return [...groups.values()].filter((g) => g.tests.length >= 2).sort((a, b) => b.tests.length - a.tests.length);
}

/** The causes one test's output shows: its data races (distinct), and the panic or fatal error that ended it. */
export function causesIn(output: string): Found[] {
  const goroot = gorootOf(output);
  const found: Found[] = [];
  for (const block of output.split(/^WARNING: DATA RACE$/m).slice(1)) {
    const race = parseRace(block.split(/^={10,}$/m)[0] ?? '', goroot);
    if (race && !found.some((f) => f.key === race.key)) found.push(race);
    if (found.length >= MAX_RACES_PER_TEST) break;
  }
  const crash = parseCrash(output, goroot);
  if (crash) found.push(crash);
  return found;
}

/** One race report: the first two stacks ("Write at … by goroutine 7:", "Previous read at …:"). */
function parseRace(report: string, goroot: string | undefined): Found | undefined {
  const stacks = [...report.matchAll(/^((?:Previous )?(?:[Aa]tomic )?(?:read|write|Read|Write)) at 0x[0-9a-f]+ by (?:goroutine \d+|main goroutine):\n((?:[ \t]+.*\n?)*)/gm)];
  if (stacks.length < 2) return undefined;
  const sides = stacks.slice(0, 2).map((m) => ({ access: m[1]!, frames: framesOf(m[2]!) }));
  if (sides.some((s) => s.frames.length === 0)) return undefined;
  // The key is the code's own part of each stack: callers in test files and the Go installation differ
  // from test to test (TestBasic1 vs TestBasic2) while the race is the same.
  // Sorted: the same race reported the other way round (read first, then write) is the same race.
  const key = `race|${sides
    .map((s) => ownFrames(s.frames, goroot).map((f) => `${f.func}@${f.at}`).join(';'))
    .sort()
    .join('|')}`;
  const [a, b] = sides.map((s) => ({ ...s, top: ownFrames(s.frames, goroot)[0]! }));
  const fileA = baseName(a!.top.at);
  const fileB = baseName(b!.top.at);
  const second = fileA.split(':')[0] === fileB.split(':')[0] ? `:${fileB.split(':')[1]}` : fileB;
  return {
    kind: 'race',
    key,
    title: `the same data race (${fileA} vs ${second})`,
    detail: [a!, b!].map((s) => `${s.access} at ${shortPath(s.top.at)} in ${shortFunc(s.top.func)}`),
  };
}

/** A panic or a fatal error (concurrent map writes, …) and where it happened in the code under test. */
function parseCrash(output: string, goroot: string | undefined): Found | undefined {
  const m = /^(panic|fatal error): (.+)$/m.exec(output);
  if (!m || /^test timed out/.test(m[2]!)) return undefined;
  const message = m[2]!.replace(/ \[recovered[^\]]*\]$/, '').replace(/0x[0-9a-f]+/g, '0x…').trim();
  const rest = output.slice(m.index);
  const running = /^goroutine \d+ \[running\]:\n([\s\S]*?)(?:\n[ \t]*\n|(?![\s\S]))/m.exec(rest);
  const frames = framesOf(running?.[1] ?? rest);
  const own = frames.filter((f) => !isLibrary(f, goroot));
  const top = own[0];
  if (!top) return undefined;
  const where = baseName(top.at);
  return {
    kind: 'panic',
    key: `${m[1]}|${message}|${top.func}@${top.at}`,
    title: `the same ${m[1]} (${truncate(message, 80)} at ${where})`,
    detail: [`${m[1]}: ${truncate(message, 200)}`, `at ${shortPath(top.at)} in ${shortFunc(top.func)}`],
  };
}

/** Frames of a Go stack: a function line, then its file:line (indented), e.g. "\t/x/y.go:12 +0x3c". */
function framesOf(stack: string): Frame[] {
  const lines = stack.split('\n');
  const frames: Frame[] = [];
  for (let i = 0; i + 1 < lines.length; i++) {
    const func = lines[i]!.trim();
    const file = /^\s+(\S+\.go:\d+)(?:\s|$)/.exec(lines[i + 1]!)?.[1];
    if (!file || func === '' || /^\S+\.go:\d+/.test(func) || func.startsWith('created by ')) continue;
    frames.push({ func: func.replace(/\([^()]*\)$/, ''), at: file });
    i++;
  }
  return frames;
}

function ownFrames(frames: readonly Frame[], goroot: string | undefined): Frame[] {
  const own = frames.filter((f) => !isLibrary(f, goroot) && !/_test\.go:\d+$/.test(f.at));
  return own.length > 0 ? own : frames.slice(0, 1);
}

function isLibrary(f: Frame, goroot: string | undefined): boolean {
  if (goroot !== undefined && f.at.startsWith(`${goroot}/src/`)) return true;
  if (f.at.startsWith('_testmain.go')) return true;
  return /^(runtime|testing|internal\/|sync|reflect)[./]/.test(f.func);
}

/** The Go installation the frames come from, recognised by the runtime and testing frames every report has. */
function gorootOf(output: string): string | undefined {
  return /^\s+(\/\S*?)\/src\/(?:runtime|testing)\/[^/\s]+\.go:\d+/m.exec(output)?.[1];
}

function baseName(at: string): string {
  return at.slice(at.lastIndexOf('/') + 1);
}

/** The file's folder and name: p0partA/server_impl.go:282. */
function shortPath(at: string): string {
  return at.split('/').slice(-2).join('/');
}

/** The function without its package path: github.com/cmu440/p0partA.(*server).Close → (*server).Close. */
function shortFunc(func: string): string {
  const afterSlash = func.slice(func.lastIndexOf('/') + 1);
  const dot = afterSlash.indexOf('.');
  return dot < 0 ? afterSlash : afterSlash.slice(dot + 1);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * mayName reports whether the output of `shown` may name the test `other`: a student sees a test's
 * output when the test itself is shown, so it may name only tests shown at least as early.
 */
export function mayName(shown: Visibility, other: Visibility): boolean {
  return shown === 'hidden' || other === 'visible' || other === shown;
}

/** listTests names up to `max` test ids, then "and N more". */
export function listTests(ids: readonly string[], max = 6): string {
  return ids.length > max ? `${ids.slice(0, max).join(', ')} and ${ids.length - max} more` : ids.join(', ');
}

/**
 * sharedCauseLines is what a test's own message says about the causes it shares with other tests:
 * one paragraph per cause, naming the other tests it may name (see mayName; all of them when
 * `visibilityOf` is undefined, for staff-facing reports). Empty when the test shares nothing.
 */
export function sharedCauseLines(test: TestResult, causes: readonly SharedCause[], visibilityOf?: (id: string) => Visibility | undefined): string[] {
  const lines: string[] = [];
  for (const c of causes) {
    if (!c.tests.includes(test.id)) continue;
    const others = c.tests.filter((id) => {
      if (id === test.id) return false;
      if (!visibilityOf) return true;
      const v = visibilityOf(id);
      return v !== undefined && mayName(test.visibility, v);
    });
    if (others.length === 0) continue;
    lines.push(`${capitalize(c.title)} also failed ${others.length === 1 ? '1 other test' : `${others.length} other tests`} (${listTests(others)}): fix it once.`);
    for (const d of c.detail) lines.push(`  ${d}`);
  }
  return lines;
}

/** The heading and lines of a report section listing the shared causes. */
export function sharedCauseSection(causes: readonly SharedCause[]): string[] {
  if (causes.length === 0) return [];
  const lines = ['One cause behind several failures (fix it once, and all of them may pass):'];
  for (const c of causes) {
    lines.push(`  ${capitalize(c.title)} failed these ${c.tests.length} tests: ${listTests(c.tests)}`);
    for (const d of c.detail) lines.push(`    ${d}`);
  }
  return lines;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
