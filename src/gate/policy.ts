/**
 * The static gate's policy: dsgrade's default (harness/vet/gate-default.json, which dsgrade-vet
 * embeds too) plus a project's `gate.deny` additions and `gate.allow` allowances from dsgrade.json.
 * The rule grammar mirrors ParseGateRule in harness/vet/gate_policy.go (docs/manifest.md, "gate").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../core/install-paths.js';

/** One policy entry with the reason a student reads. */
export interface GateRule {
  rule: string;
  why: string;
}

/** The policy dsgrade-vet applies: every entry of both lists. */
export interface EffectiveGatePolicy {
  deny: GateRule[];
  allow: GateRule[];
}

/** A project's own entries, as written in dsgrade.json. */
export interface ProjectGatePolicy {
  deny: string[];
  allow: string[];
}

export type GateRuleKind = 'import' | 'selector' | 'directive' | 'cgo' | 'file' | 'path';

export interface ParsedGateRule {
  kind: GateRuleKind;
  /** Import path of an import or selector rule (without a trailing `/...`). */
  pkg?: string;
  /** `P/...`: the import path and everything below it. */
  subtree?: boolean;
  /** The selector name, directive name, file name or path pattern. */
  pattern?: string;
}

export const DEFAULT_POLICY_FILE = path.join(REPO_ROOT, 'harness', 'vet', 'gate-default.json');

let defaults: EffectiveGatePolicy | undefined;

/** dsgrade's default policy, read once. */
export function defaultGatePolicy(): EffectiveGatePolicy {
  if (!defaults) {
    const raw = JSON.parse(readFileSync(DEFAULT_POLICY_FILE, 'utf8')) as { deny: GateRule[]; allow: GateRule[] };
    defaults = { deny: raw.deny, allow: raw.allow };
  }
  return defaults;
}

/** Why a project-denied entry is refused, for the student. */
export const PROJECT_DENY_WHY = "this project's autograder does not allow it (the course's gate policy)";

/** The default policy plus the project's entries (project entries after the defaults). */
export function effectiveGatePolicy(project: ProjectGatePolicy): EffectiveGatePolicy {
  const base = defaultGatePolicy();
  const known = new Set(base.deny.map((r) => r.rule));
  return {
    deny: [...base.deny, ...project.deny.filter((r) => !known.has(r)).map((rule) => ({ rule, why: PROJECT_DENY_WHY }))],
    allow: [...base.allow, ...project.allow.map((rule) => ({ rule, why: "allowed by this project's gate policy" }))],
  };
}

const IMPORT_ELEMENT = /^[\p{L}\p{N}\-._~+]+$/u;

/** Classifies a rule string, or says why it is not one (the grammar of harness/vet ParseGateRule). */
export function parseGateRule(rule: string): ParsedGateRule | { error: string } {
  if (rule === '') return { error: 'empty rule' };
  if (/[\s"]/.test(rule)) return { error: `rule "${rule}" contains a space or a quote` };
  if (rule.startsWith('//go:')) {
    const pattern = rule.slice(5);
    if (pattern === '') return { error: `rule "${rule}" names no directive` };
    return checkPattern(rule, { kind: 'directive', pattern });
  }
  if (rule === '#cgo') return { kind: 'cgo' };
  if (rule.startsWith('#')) return { error: `rule "${rule}": the only preamble rule is "#cgo"` };
  if (rule.startsWith('*.')) {
    if (rule.includes('/')) return { error: `file rule "${rule}" must be a base-name pattern such as "*.s"` };
    return checkPattern(rule, { kind: 'file', pattern: rule });
  }
  if (rule.startsWith('/')) {
    const cleaned = path.posix.normalize(rule).replace(/\/+$/, '');
    if (cleaned === '' || cleaned === '/' || cleaned.startsWith('/..')) return { error: `path rule "${rule}" would match every path` };
    return checkPattern(rule, { kind: 'path', pattern: cleaned });
  }
  let parsed: ParsedGateRule = { kind: 'import', pkg: rule };
  if (rule.endsWith('/...')) parsed = { kind: 'import', pkg: rule.slice(0, -4), subtree: true };
  else if (rule.slice(rule.lastIndexOf('/') + 1).includes('.')) {
    const dot = rule.lastIndexOf('.');
    const name = rule.slice(dot + 1);
    if (name !== '' && /^[\p{Lu}*?[]/u.test(name)) parsed = { kind: 'selector', pkg: rule.slice(0, dot), pattern: name };
  }
  const elements = parsed.pkg!.split('/');
  if (elements.some((e) => e === '' || e === '.' || e === '..' || e.includes('...') || !IMPORT_ELEMENT.test(e))) {
    return { error: `rule "${rule}" is not an import path, a selector such as "os.NewFile" or a subtree such as "golang.org/x/sys/..."` };
  }
  return checkPattern(rule, parsed);
}

/** path.Match's syntax: a `[` class must close. */
function checkPattern(rule: string, parsed: ParsedGateRule): ParsedGateRule | { error: string } {
  const text = parsed.pattern ?? '';
  let open = false;
  for (const c of text) {
    if (c === '[') {
      if (open) return { error: `rule "${rule}": bad pattern` };
      open = true;
    } else if (c === ']') open = false;
  }
  return open ? { error: `rule "${rule}": bad pattern (an unclosed "[")` } : parsed;
}

export interface PolicyProblem {
  pointer: string;
  message: string;
  fix: string;
}

/**
 * Problems with a project's entries (errors: the manifest is invalid) and notes worth a warning
 * (an allowance that lifts a default rule weakens the gate; an entry that changes nothing).
 */
export function checkProjectPolicy(project: ProjectGatePolicy): { problems: PolicyProblem[]; warnings: string[] } {
  const problems: PolicyProblem[] = [];
  const warnings: string[] = [];
  const base = defaultGatePolicy();
  const fix = 'use an import path ("reflect"), a subtree ("golang.org/x/sys/..."), a selector ("os.NewFile"), a directive ("//go:linkname"), "#cgo", a file pattern ("*.s") or a path ("/proc/*/fd"); see docs/manifest.md';
  for (const [list, entries] of [['deny', project.deny], ['allow', project.allow]] as const) {
    entries.forEach((rule, i) => {
      const parsed = parseGateRule(rule);
      if ('error' in parsed) problems.push({ pointer: `/gate/${list}/${i}`, message: parsed.error, fix });
    });
  }
  project.deny.forEach((rule, i) => {
    if (project.allow.includes(rule)) problems.push({ pointer: `/gate/deny/${i}`, message: `gate rule "${rule}" is both denied and allowed`, fix: 'keep it in one of "deny" and "allow"' });
    if (base.deny.some((r) => r.rule === rule)) warnings.push(`gate.deny "${rule}" is already denied by default`);
  });
  for (const rule of project.allow) {
    const parsed = parseGateRule(rule);
    if ('error' in parsed) continue;
    const lifted = base.deny.filter((d) => lifts(parsed, d.rule));
    for (const d of lifted) warnings.push(`gate.allow "${rule}" lifts the default rule "${d.rule}": ${d.why}`);
    if (lifted.length === 0 && !project.deny.some((d) => lifts(parsed, d))) warnings.push(`gate.allow "${rule}" changes nothing: nothing it names is denied`);
  }
  return { problems, warnings };
}

/** Whether an allow rule cancels (part of) the deny rule `deny`. */
function lifts(allow: ParsedGateRule, deny: string): boolean {
  const d = parseGateRule(deny);
  if ('error' in d) return false;
  if (allow.kind === 'selector') return (d.kind === 'import' && (d.pkg === allow.pkg || (d.subtree === true && allow.pkg!.startsWith(`${d.pkg}/`)))) || (d.kind === 'selector' && d.pkg === allow.pkg && globMatch(allow.pattern!, d.pattern!));
  if (allow.kind === 'import') return d.kind === 'import' ? d.pkg === allow.pkg || (allow.subtree === true && d.pkg!.startsWith(`${allow.pkg}/`)) || (d.subtree === true && allow.pkg!.startsWith(`${d.pkg}/`)) : false;
  if (allow.kind !== d.kind) return false;
  if (allow.kind === 'cgo') return true;
  return globMatch(allow.pattern!, d.pattern!) || globMatch(d.pattern!, allow.pattern!);
}

/** path.Match for rule patterns (`*`, `?`, `[...]`), good enough to compare two rules. */
function globMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${re}$`).test(text);
}

/** One line for `dsgrade validate`: what the effective policy is made of. */
export function describeGatePolicy(project: ProjectGatePolicy): string {
  const base = defaultGatePolicy();
  let line = `gate: the default policy (${base.deny.length} rules denied, ${base.allow.length} exceptions)`;
  if (project.deny.length) line += `; this project also denies ${project.deny.join(', ')}`;
  if (project.allow.length) line += `; this project allows ${project.allow.join(', ')}`;
  return line;
}
