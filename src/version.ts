import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './core/install-paths.js';
import type { Versions } from './model.js';

export const DSGRADE_VERSION: string = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export function versions(go: string): Versions {
  return { dsgrade: DSGRADE_VERSION, node: process.version, go };
}
