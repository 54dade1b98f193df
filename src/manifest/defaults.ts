/**
 * Raw (schema-valid) manifest → Manifest with every default filled in and project paths absolute.
 * Defaults live here, in one place, and are documented in docs/manifest.md.
 */
import path from 'node:path';
import type { Visibility } from '../model.js';
import type { CheckSpec, HandinEntry, LeakPolicy, Manifest, PassRule, ReferenceSpec, RetryPolicy, Suite } from './types.js';
import { scenarioSuiteDefaults, type RawScenarioSuite } from '../scenario/manifest-defaults.js';

/* The raw JSON shape; the schema guarantees required fields and types. */
export interface RawManifest {
  name: string;
  title: string;
  totalPoints?: number;
  go: { moduleRoot: string; module: string; version?: string; allowDownloads?: boolean; buildTimeoutSec?: number };
  starter: string;
  staff?: string;
  handin: { path?: string; pattern?: string; exclude?: string[]; required?: boolean; maxBytes?: number }[];
  limits?: { testOutputBytes?: number; processOutputBytes?: number };
  checks?: (Omit<CheckSpec, 'name' | 'points' | 'visibility' | 'tags' | 'files'> & Partial<CheckSpec>)[];
  gate?: { deny?: string[]; allow?: string[] };
  suites: RawSuite[];
  reference?: string;
  references?: { name: string; path: string; description?: string }[];
  mutants?: { name: string; path?: string; patch?: string; expectedScore: number; description?: string; catchers?: string[]; base?: 'reference'; scoreRange?: [number, number] }[];
}

/** `"all"`, `"rate"`, or `{ "minRate": r }` (docs/manifest.md#runs-and-passrule). */
export type RawPassRule = 'all' | 'rate' | { minRate: number };

export interface RawGoTest {
  name?: string;
  pattern?: string;
  displayName?: string;
  points: number;
  number?: string;
  visibility?: Visibility;
  tags?: string[];
  timeoutSec?: number;
  race?: boolean;
  runs?: number;
  /** Alias of `runs` (rules.ts refuses both on one test). */
  repeat?: number;
  passRule?: RawPassRule;
  /** `true` is an alias of `passRule: "rate"` (rules.ts refuses both on one test). */
  partialCredit?: boolean;
  exclusive?: boolean;
  retry?: { count: number; policy?: 'all' | 'any' | 'majority' };
  description?: string;
}

export type RawSuite =
  | RawScenarioSuite
  | {
      kind: 'gotest';
      id: string;
      name?: string;
      package: string;
      seedEnv?: string;
      seedReplays?: string;
      timeoutSec?: number;
      race?: boolean;
      visibility?: Visibility;
      tags?: string[];
      runs?: number;
      passRule?: RawPassRule;
      retry?: RawGoTest['retry'];
      tests: RawGoTest[];
      leaks?: Partial<Omit<LeakPolicy, 'points'>> & { points: number };
    }
  | {
      kind: 'studenttests';
      id: string;
      name?: string;
      package: string;
      testFile: string;
      implFile: string;
      timeoutSec?: number;
      repeat?: number;
      race?: boolean;
      visibility?: Visibility;
      tags?: string[];
      requireCorrectPass?: boolean;
      correct: { points: number; number?: string };
      buggy: { name: string; file: string; points: number; number?: string; hint?: string }[];
    };

export const DEFAULTS = {
  buildTimeoutSec: 180,
  testOutputBytes: 65_536,
  processOutputBytes: 8 * 1024 * 1024,
  handinMaxBytes: 1024 * 1024,
  goTestTimeoutSec: 60,
  studentTestTimeoutSec: 30,
  visibility: 'visible' as Visibility,
  leakSettleMs: 1000,
  leakCpuWindowMs: 250,
  leakMaxCpuPercent: 10,
} as const;

/**
 * Tests declared by `pattern` are kept with the pattern as their name here; rules.ts expands them
 * against the staff sources (it is the stage that reads those files).
 */
export function applyDefaults(raw: RawManifest, file: string): Manifest {
  const dir = path.dirname(file);
  const abs = (p: string): string => path.resolve(dir, p);
  // "reference": "dir" is shorthand for one reference named "reference" (the schema refuses both).
  const references: ReferenceSpec[] =
    raw.references?.map((r) => ({ name: r.name, path: abs(r.path), ...(r.description !== undefined ? { description: r.description } : {}) })) ??
    (raw.reference === undefined ? [] : [{ name: 'reference', path: abs(raw.reference) }]);
  return {
    file,
    dir,
    name: raw.name,
    title: raw.title,
    totalPoints: raw.totalPoints,
    go: {
      moduleRoot: trimSlashes(raw.go.moduleRoot),
      module: raw.go.module,
      version: raw.go.version,
      allowDownloads: raw.go.allowDownloads ?? false,
      buildTimeoutSec: raw.go.buildTimeoutSec ?? DEFAULTS.buildTimeoutSec,
    },
    starter: abs(raw.starter),
    staff: raw.staff === undefined ? undefined : abs(raw.staff),
    handin: raw.handin.map(
      (h): HandinEntry => ({
        path: h.path === undefined ? undefined : trimSlashes(h.path),
        pattern: h.pattern === undefined ? undefined : trimSlashes(h.pattern),
        exclude: (h.exclude ?? []).map(trimSlashes),
        required: h.required ?? h.path !== undefined,
        maxBytes: h.maxBytes ?? DEFAULTS.handinMaxBytes,
      }),
    ),
    limits: {
      testOutputBytes: raw.limits?.testOutputBytes ?? DEFAULTS.testOutputBytes,
      processOutputBytes: raw.limits?.processOutputBytes ?? DEFAULTS.processOutputBytes,
    },
    checks: (raw.checks ?? []).map(
      (c): CheckSpec => ({
        ...c,
        name: c.name ?? c.id,
        points: c.points ?? 0,
        visibility: c.visibility ?? DEFAULTS.visibility,
        tags: c.tags ?? [],
        files: (c.files ?? []).map(trimSlashes),
      }),
    ),
    gate: { deny: raw.gate?.deny ?? [], allow: raw.gate?.allow ?? [] },
    suites: raw.suites.map((s) => suiteDefaults(s, abs)),
    references,
    ...(references[0] ? { reference: references[0].path } : {}),
    mutants: (raw.mutants ?? []).map((m) => ({
      name: m.name,
      ...(m.path !== undefined ? { path: abs(m.path) } : {}),
      ...(m.patch !== undefined ? { patch: abs(m.patch) } : {}),
      expectedScore: m.expectedScore,
      description: m.description,
      catchers: m.catchers ?? [],
      ...(m.base ? { base: m.base } : {}),
      ...(m.scoreRange ? { scoreRange: m.scoreRange } : {}),
    })),
  };
}

function suiteDefaults(s: RawSuite, abs: (p: string) => string): Suite {
  if (s.kind === 'scenario') return scenarioSuiteDefaults(s, DEFAULTS.visibility);
  if (s.kind === 'gotest') {
    const suiteTimeout = s.timeoutSec ?? DEFAULTS.goTestTimeoutSec;
    return {
      kind: 'gotest',
      id: s.id,
      name: s.name ?? s.id,
      package: trimSlashes(s.package),
      ...(s.seedEnv !== undefined ? { seedEnv: s.seedEnv } : {}),
      ...(s.seedReplays !== undefined ? { seedReplays: s.seedReplays } : {}),
      tests: s.tests.map((t) => ({
        name: t.name ?? t.pattern!,
        displayName: t.displayName ?? t.name ?? t.pattern!,
        points: t.points,
        number: t.number,
        visibility: t.visibility ?? s.visibility ?? DEFAULTS.visibility,
        tags: [...(s.tags ?? []), ...(t.tags ?? [])],
        timeoutSec: t.timeoutSec ?? suiteTimeout,
        race: t.race ?? s.race ?? false,
        // A test's own setting (either name) wins over the suite's default.
        runs: t.runs ?? t.repeat ?? s.runs ?? 1,
        passRule: passRuleOf(t.passRule ?? (t.partialCredit === undefined ? undefined : t.partialCredit ? 'rate' : 'all') ?? s.passRule),
        exclusive: t.exclusive ?? false,
        ...retryDefaults(t.retry ?? s.retry),
        description: t.description,
        ...(t.pattern !== undefined ? { pattern: t.pattern } : {}),
      })),
      ...(s.leaks ? { leaks: leakDefaults(s.leaks, s.name ?? s.id, s.visibility, s.tags) } : {}),
    };
  }
  return {
    kind: 'studenttests',
    id: s.id,
    name: s.name ?? s.id,
    package: trimSlashes(s.package),
    testFile: trimSlashes(s.testFile),
    implFile: trimSlashes(s.implFile),
    timeoutSec: s.timeoutSec ?? DEFAULTS.studentTestTimeoutSec,
    repeat: s.repeat ?? 1,
    race: s.race ?? false,
    visibility: s.visibility ?? DEFAULTS.visibility,
    tags: s.tags ?? [],
    requireCorrectPass: s.requireCorrectPass ?? true,
    correct: s.correct,
    buggy: s.buggy.map((b) => ({ ...b, file: abs(b.file) })),
  };
}

function leakDefaults(l: NonNullable<Extract<RawSuite, { kind: 'gotest' }>['leaks']>, suiteName: string, visibility: Visibility | undefined, tags: string[] | undefined): LeakPolicy {
  return {
    name: l.name ?? `${suiteName}: nothing of yours left running after a test`,
    points: l.points,
    ...(l.number !== undefined ? { number: l.number } : {}),
    visibility: l.visibility ?? visibility ?? DEFAULTS.visibility,
    tags: [...(tags ?? []), ...(l.tags ?? [])],
    ...(l.description !== undefined ? { description: l.description } : {}),
    settleMs: l.settleMs ?? DEFAULTS.leakSettleMs,
    cpuWindowMs: l.cpuWindowMs ?? DEFAULTS.leakCpuWindowMs,
    maxCpuPercent: l.maxCpuPercent ?? DEFAULTS.leakMaxCpuPercent,
    allowIdleGoroutines: l.allowIdleGoroutines ?? false,
    exclude: l.exclude ?? [],
  };
}

function passRuleOf(r: RawPassRule | undefined): PassRule {
  if (r === undefined || r === 'all') return { rule: 'all' };
  if (r === 'rate') return { rule: 'rate' };
  return { rule: 'threshold', minRate: r.minRate };
}

function retryDefaults(r: RawGoTest['retry']): { retry?: RetryPolicy } {
  return r ? { retry: { count: r.count, policy: r.policy ?? 'all' } } : {};
}

function trimSlashes(p: string): string {
  return p.replace(/^\.\//, '').replace(/^\/+|\/+$/g, '');
}
