/**
 * Turns ajv's errors into problems a course's staff can act on: one per real problem, with the JSON
 * pointer and a fix. ajv reports the same mistake several times through `oneOf`/`if`; those
 * wrappers are dropped in favour of the specific error beneath them.
 */
import type { ErrorObject } from 'ajv';
import type { ManifestIssue } from '../errors.js';

const WRAPPERS = new Set(['if', 'oneOf', 'anyOf', 'allOf']);

export function schemaIssues(file: string, errors: readonly ErrorObject[], schemaRoot: Record<string, unknown>): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const seen = new Set<string>();
  const specific = errors.filter((e) => !WRAPPERS.has(e.keyword));
  const chosen = specific.length > 0 ? specific : errors;
  for (const err of chosen) {
    const issue = describe(file, err, schemaRoot);
    const key = `${issue.pointer}|${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  // A oneOf that failed because *both* branches matched or neither did, with nothing more specific.
  for (const err of errors) {
    if (err.keyword === 'oneOf' && !chosen.some((c) => c.instancePath.startsWith(err.instancePath) && c !== err)) {
      issues.push({
        file,
        pointer: err.instancePath || '/',
        message: 'must have exactly one of the alternative forms',
        fix: hintForOneOf(err.schemaPath),
      });
    }
  }
  return issues;
}

function describe(file: string, err: ErrorObject, schemaRoot: Record<string, unknown>): ManifestIssue {
  const pointer = err.instancePath || '/';
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = knownKeys(err.schemaPath, schemaRoot);
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

function hintForOneOf(schemaPath: string): string {
  if (schemaPath.includes('goTest')) return 'give a test either "name" (exact) or "pattern" (regular expression), plus "points"';
  if (schemaPath.includes('handin')) return 'give a handin entry either "path" or "pattern", not both';
  return 'see schemas/manifest.schema.json for the allowed forms';
}

/** The property names the schema allows at the object where `additionalProperties` failed. */
function knownKeys(schemaPath: string, root: Record<string, unknown>): string[] {
  // schemaPath looks like "#/definitions/suite/allOf/0/then/additionalProperties".
  const parts = schemaPath.replace(/^#\//, '').split('/').slice(0, -1);
  let node: unknown = root;
  for (const part of parts) {
    if (node && typeof node === 'object') node = (node as Record<string, unknown>)[decodeURIComponent(part)];
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
