/**
 * The committed JSON Schemas, compiled once. Editors use the same files through `$schema`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { SCHEMA_DIR } from '../core/install-paths.js';

const cache = new Map<string, ValidateFunction>();

export function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMA_DIR, name), 'utf8')) as Record<string, unknown>;
}

/** A validator for schemas/<name>, compiled on first use; `verbose` gives errors their schema (schema-errors.ts needs it). */
export function schemaValidator(name: string): ValidateFunction {
  let validate = cache.get(name);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    validate = ajv.compile(loadSchema(name));
    cache.set(name, validate);
  }
  return validate;
}

export type { ErrorObject };
