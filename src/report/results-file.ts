/**
 * The one way a results file for a grading host is written: checked against its JSON schema in
 * schemas/ first, then written atomically. A file that does not match is a dsgrade bug, never a
 * student's problem: nothing is written and the error lists every violation. Gradescope's
 * results.json, PrairieLearn's results.json and Autolab's score line all go through here.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DsgradeError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

/** One schema violation: where (JSON pointer into the file) and what. */
export interface SchemaIssue {
  pointer: string;
  message: string;
}

const validators = new Map<string, ValidateFunction>();

function compiled(schemaFile: string): ValidateFunction {
  let v = validators.get(schemaFile);
  if (!v) {
    const schema = JSON.parse(readFileSync(new URL(`../../schemas/${schemaFile}`, import.meta.url), 'utf8')) as object;
    // strictRequired is off for the `anyOf: [{required: [a]}, {required: [b]}]` idiom.
    v = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);
    validators.set(schemaFile, v);
  }
  return v;
}

/** checkAgainstSchema returns every violation of schemas/<schemaFile> by `obj` (empty when valid); each schema compiles once. */
export function checkAgainstSchema(schemaFile: string, obj: unknown): SchemaIssue[] {
  const validate = compiled(schemaFile);
  if (validate(obj)) return [];
  return (validate.errors ?? []).map(describeIssue);
}

function describeIssue(e: ErrorObject): SchemaIssue {
  const pointer = e.instancePath || '/';
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return { pointer, message: `unknown key "${String(params.additionalProperty)}"` };
  if (e.keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
    return { pointer, message: `${e.message ?? 'invalid value'}: ${allowed}` };
  }
  return { pointer, message: e.message ?? e.keyword };
}

export interface CheckedWrite {
  /** Schema file name in schemas/, e.g. "prairielearn-results.schema.json". */
  schema: string;
  /** What the file is, for the error: "Gradescope results", "PrairieLearn results". */
  what: string;
  /** The bytes to write; default: the object as indented JSON and a newline. */
  serialize?: (obj: unknown) => string;
  /** The host's size limit for the file, in bytes (PrairieLearn: 1 MB). */
  maxBytes?: number;
}

/** schemaError is the DsgradeError for an object that does not match its schema (nothing was written). */
export function schemaError(path: string, what: string, issues: readonly SchemaIssue[]): DsgradeError {
  const list = issues.map((i) => `${i.pointer}: ${i.message}`).join('; ');
  return new DsgradeError('INTERNAL', `invalid ${what}: ${path} (${issues.length} schema violation${issues.length === 1 ? '' : 's'}: ${list})`, {
    file: path,
    fix: `this is a bug in dsgrade, please report it with the grading log; ${path.split('/').pop() ?? 'the file'} was not written`,
  });
}

/** writeCheckedJson validates `obj` against its schema and writes it atomically to `path`; throws (writing nothing) when invalid. */
export async function writeCheckedJson(path: string, obj: unknown, opts: CheckedWrite): Promise<void> {
  const issues = checkAgainstSchema(opts.schema, obj);
  const text = (opts.serialize ?? ((o) => `${JSON.stringify(o, null, 2)}\n`))(obj);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (opts.maxBytes !== undefined && bytes > opts.maxBytes) issues.push({ pointer: '/', message: `${bytes} bytes, over the host's limit of ${opts.maxBytes}` });
  if (issues.length) throw schemaError(path, opts.what, issues);
  await writeFileAtomic(path, text);
}
