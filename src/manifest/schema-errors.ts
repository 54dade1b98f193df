/**
 * Turns ajv's errors into problems a course's staff can act on: one per real problem, with the JSON
 * pointer and a fix. ajv reports the same mistake several times through `oneOf`/`anyOf`/`if`: an
 * `if` is dropped in favour of the specific errors of its `then`, and the `required` errors of
 * oneOf/anyOf branches are folded into one issue naming the alternatives.
 */
import type { ErrorObject } from 'ajv';
import type { ManifestIssue } from '../errors.js';

/** `if` always comes with the specific errors of its `then`; it never adds information. */
const DROPPED = new Set(['if', 'allOf']);
/** Alternatives: their branch `required` errors are folded into one issue about the alternatives. */
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
  const alternatives = errors.filter((e) => ALTERNATIVES.has(e.keyword));
  // A `required` failing inside a oneOf/anyOf branch is not a problem on its own ("missing name" and
  // "missing pattern" for a test that needs one of them); the alternatives issue says it once.
  const inBranch = (e: ErrorObject): boolean =>
    e.keyword === 'required' && alternatives.some((w) => w.instancePath === e.instancePath && e.schemaPath.startsWith(`${w.schemaPath}/`));
  for (const err of errors) {
    if (DROPPED.has(err.keyword) || inBranch(err)) continue;
    push(ALTERNATIVES.has(err.keyword) ? describeAlternatives(file, err) : describe(file, err, schemaRoot));
  }
  return issues;
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
      return { file, pointer, message: `must match the pattern ${String(p.pattern)}`, fix: patternHint(String(p.pattern)) };
    case 'minItems':
      return { file, pointer, message: `must have at least ${String(p.limit)} item(s)`, fix: 'add the missing entries' };
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
      return { file, pointer, message: `must be ${String(p.comparison)} ${String(p.limit)}`, fix: 'change the number' };
    default:
      return { file, pointer, message: err.message ?? `fails ${err.keyword}`, fix: 'see schemas/manifest.schema.json for this field' };
  }
}

function patternHint(pattern: string): string {
  if (pattern.startsWith('^Test')) return 'Go test functions are named TestXxx; use "pattern" for a regular expression';
  if (pattern.includes('a-z0-9-')) return 'use lower-case letters, digits and dashes, e.g. "p0-kvserver"';
  return 'change the value to match';
}

/** One issue for a failed oneOf/anyOf whose branches each require some properties. */
function describeAlternatives(file: string, err: ErrorObject): ManifestIssue {
  const branches = Array.isArray(err.schema) ? (err.schema as { required?: string[] }[]) : [];
  const props = branches.map((b) => (b.required ?? []).map((p) => `"${p}"`).join(' and ')).filter((p) => p !== '');
  const list = props.length > 0 ? props.join(' or ') : 'the alternative forms';
  const tooMany = err.keyword === 'oneOf' && Array.isArray((err.params as { passingSchemas?: unknown }).passingSchemas);
  const message = tooMany ? `must have only one of ${list}` : err.keyword === 'oneOf' ? `must have exactly one of ${list}` : `must have at least one of ${list}`;
  const names = branches.flatMap((b) => b.required ?? []).join(',');
  let fix = tooMany ? `keep only one of ${list}` : `add ${list}`;
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

/** The closest known key by edit distance, when it is plausibly a typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
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
