/**
 * Turns ajv's errors into problems a course's staff can act on: one per real problem, with the JSON
 * pointer and a fix. ajv reports the same mistake several times through `oneOf`/`anyOf`/`if`: an
 * `if` is dropped in favour of the specific errors of its `then`, and the `required` errors of
 * oneOf/anyOf branches are folded into one issue naming the alternatives.
 */
import type { ErrorObject } from 'ajv';
import type { ManifestIssue } from '../errors.js';

/** `if` always comes with the specific errors of its `then`; it never adds information. */
// propertyNames: the failing name's own error (its pattern) says which and why.
const DROPPED = new Set(['if', 'allOf', 'propertyNames']);
const ALTERNATIVES = new Set(['oneOf', 'anyOf']);

export function schemaIssues(file: string, errors: readonly ErrorObject[], schemaRoot: Record<string, unknown>): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const seen = new Set<string>();
  const push = (issue: ManifestIssue): void => {
    const key = `${issue.pointer}|${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  };
  // Alternatives that only choose which properties are present ({"required": [...]} branches):
  // "missing name" plus "missing pattern" is one problem, said once by the wrapper's issue.
  const choices = errors.filter((e) => ALTERNATIVES.has(e.keyword) && requiredOnly(e));
  const inChoice = (e: ErrorObject): boolean =>
    e.keyword === 'required' && choices.some((w) => w.instancePath === e.instancePath && e.schemaPath.startsWith(`${w.schemaPath}/`));
  const specific = errors.filter((e) => !DROPPED.has(e.keyword) && !ALTERNATIVES.has(e.keyword) && !inChoice(e));
  // "must be string" + "must be array" for one value (branches of a oneOf) → "must be string or array".
  const typesAt = new Map<string, string[]>();
  for (const e of errors) if (e.keyword === 'type') typesAt.set(e.instancePath, [...(typesAt.get(e.instancePath) ?? []), String(e.params.type)]);
  for (const err of errors) {
    if (DROPPED.has(err.keyword) || inChoice(err)) continue;
    if (err.keyword === 'type') push(describe(file, { ...err, params: { type: [...new Set(typesAt.get(err.instancePath))].join(' or ') } }, schemaRoot));
    else if (!ALTERNATIVES.has(err.keyword)) push(describe(file, err, schemaRoot));
    else if (requiredOnly(err)) push(describeChoice(file, err));
    // Other alternatives (e.g. "a string or an object"): their branch errors say more, unless there are none.
    else if (!specific.some((c) => under(c.instancePath, err.instancePath))) push(describe(file, err, schemaRoot));
  }
  return issues;
}

function under(pointer: string, parent: string): boolean {
  return pointer === parent || pointer.startsWith(`${parent}/`);
}

function requiredOnly(err: ErrorObject): boolean {
  return Array.isArray(err.schema) && err.schema.every((b: unknown) => b !== null && typeof b === 'object' && Object.keys(b).every((k) => k === 'required'));
}

function describe(file: string, err: ErrorObject, schemaRoot: Record<string, unknown>): ManifestIssue {
  const pointer = err.instancePath || '/';
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = knownKeys(err, schemaRoot);
      const near = nearest(key, known);
      return {
        file,
        pointer: `${pointer === '/' ? '' : pointer}/${key}`,
        message: `unknown property "${key}"`,
        fix: near ? `did you mean "${near}"? Known properties here: ${known.join(', ')}` : `remove it; known properties here: ${known.join(', ')}`,
      };
    }
    case 'required':
      return { file, pointer, message: `missing required property "${String(p.missingProperty)}"`, fix: `add "${String(p.missingProperty)}" here` };
    case 'enum':
      return {
        file,
        pointer,
        message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        fix: 'use one of the listed values',
      };
    case 'type':
      return { file, pointer, message: `must be ${String(p.type)}`, fix: `change the value to a ${String(p.type)}` };
    case 'pattern':
      // Inside propertyNames, the value that failed is a key: name it.
      if (err.propertyName !== undefined) {
        return { file, pointer: `${pointer === '/' ? '' : pointer}/${err.propertyName.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: `the name "${err.propertyName}" must match the pattern ${String(p.pattern)}`, fix: patternHint(String(p.pattern)) };
      }
      return { file, pointer, message: `must match the pattern ${String(p.pattern)}`, fix: patternHint(String(p.pattern)) };
    case 'minItems':
      return { file, pointer, message: `must have at least ${String(p.limit)} item(s)`, fix: 'add the missing entries' };
    case 'maximum': {
      // A time field, or the min/max of a duration such as sleepMs: {"min": …, "max": …}.
      const field = pointer.split('/').filter((part) => part !== 'min' && part !== 'max').pop() ?? '';
      if (/(Sec|Ms)$/.test(field)) {
        const unit = field.endsWith('Sec') ? 'seconds' : 'milliseconds';
        return {
          file,
          pointer,
          message: `must be ${String(p.comparison)} ${String(p.limit)} (${unit}: one day)`,
          fix: `a time limit beyond a day is a mistake (Node's timers overflow past 24.8 days and would fire at once): give it in ${unit}, e.g. ${unit === 'seconds' ? '60' : '500'}`,
        };
      }
      return { file, pointer, message: `must be ${String(p.comparison)} ${String(p.limit)}`, fix: 'change the number' };
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return { file, pointer, message: `must be ${String(p.comparison)} ${String(p.limit)}`, fix: 'change the number' };
    case 'not': {
      // {"not": {"required": [a, b]}}: properties that exclude each other.
      const both = (err.schema as { required?: unknown } | undefined)?.required;
      if (Array.isArray(both)) {
        const names = both.map((n) => `"${String(n)}"`).join(' and ');
        const hint = both.join(',') === 'reference,references' ? ': "reference": "dir" is shorthand for "references": [{"name": "reference", "path": "dir"}]' : '';
        return { file, pointer, message: `${names} cannot both be given`, fix: `keep only one of ${names}${hint}` };
      }
      return { file, pointer, message: err.message ?? 'fails not', fix: `see schemas/${schemaFile(schemaRoot)} for this field` };
    }
    default:
      return { file, pointer, message: err.message ?? `fails ${err.keyword}`, fix: `see schemas/${schemaFile(schemaRoot)} for this field` };
  }
}

function patternHint(pattern: string): string {
  if (pattern === '^[^/\\s]+/[^\\s]+$') return 'an item id is "<suite>/<test>" (as in the reports); `dsgrade profile` writes them';
  if (pattern.startsWith('^Test')) return 'Go test functions are named TestXxx; use "pattern" for a regular expression';
  if (pattern.includes('a-z0-9-')) return 'use lower-case letters, digits and dashes, e.g. "p0-kvserver"';
  return 'change the value to match';
}

/** One issue for a failed oneOf/anyOf whose branches each require some properties. */
function describeChoice(file: string, err: ErrorObject): ManifestIssue {
  const branches = err.schema as { required: string[] }[];
  const passing = (err.params as { passingSchemas?: unknown }).passingSchemas;
  const tooMany = err.keyword === 'oneOf' && Array.isArray(passing);
  const named = (bs: { required: string[] }[]): string => bs.map((b) => b.required.map((p) => `"${p}"`).join(' and ')).join(' or ');
  const list = named(branches);
  let message: string;
  let fix: string;
  if (tooMany) {
    const present = named((passing as number[]).map((i) => branches[i]!));
    message = `must have only one of ${present}`;
    fix = `keep only one of ${present}`;
  } else {
    message = `must have ${err.keyword === 'oneOf' ? 'exactly' : 'at least'} one of ${list}`;
    fix = `add ${list}`;
  }
  const names = branches.flatMap((b) => b.required).join(',');
  if (names === 'name,pattern') fix += ': a test has either "name" (exact) or "pattern" (regular expression)';
  if (names === 'path,pattern') fix += ': a handin entry has either "path" (exact) or "pattern" (glob)';
  return { file, pointer: err.instancePath || '/', message, fix };
}

/** The property names the schema allows at the object where `additionalProperties` failed. */
function knownKeys(err: ErrorObject, root: Record<string, unknown>): string[] {
  // With `verbose`, ajv hands us the object schema itself. Without it, walk schemaPath — which is
  // relative to the definition when the error comes from behind a $ref, so this is only a fallback.
  let node: unknown = err.parentSchema;
  if (!node) {
    // schemaPath looks like "#/allOf/0/then/additionalProperties".
    node = root;
    for (const part of err.schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
      if (node && typeof node === 'object') node = (node as Record<string, unknown>)[decodeURIComponent(part)];
    }
  }
  const props = node && typeof node === 'object' ? (node as Record<string, unknown>).properties : undefined;
  return props && typeof props === 'object' ? Object.keys(props) : [];
}

/** The closest known key by edit distance, when it is plausibly a typo; else the one key it is a prefix of ("timeout" → "timeoutSec"). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const close = closest(word, candidates);
  if (close !== undefined || word.length < 4) return close;
  const extended = candidates.filter((c) => c.toLowerCase().startsWith(word.toLowerCase()));
  return extended.length === 1 ? extended[0] : undefined;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The schema's file name, from its $id (manifest.schema.json, timings.schema.json). */
function schemaFile(schemaRoot: Record<string, unknown>): string {
  const id = typeof schemaRoot.$id === 'string' ? schemaRoot.$id : '';
  return id.slice(id.lastIndexOf('/') + 1) || 'manifest.schema.json';
}
