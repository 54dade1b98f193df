/**
 * Where dsgrade's own files are, whether it runs from src/ (tsx, vitest) or dist/ (built): one
 * place, so nothing imports the manifest loader (or the Go builder) just for a path.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout (or installed package) root: package.json, schemas/, harness/, docker/, packaging/. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The committed JSON Schemas. */
export const SCHEMA_DIR = path.join(REPO_ROOT, 'schemas');
/** dsgrade's Go module: the programs that run beside student code (faultnet, dsgrade-vet, dsgrade-jail, dsgrade-exec). */
export const HARNESS_DIR = path.join(REPO_ROOT, 'harness');
