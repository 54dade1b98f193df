#!/usr/bin/env node
// Thin entry: all behaviour lives in src/cli/main.ts (compiled to dist/ by `npm run build`,
// which `npm ci`/`npm install` run through the `prepare` script). Exiting explicitly ends any
// work a command abandoned on purpose (a grading run stopped by its time budget).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

warnIfStale();
const { main } = await import('../dist/cli/main.js');
process.exit(await main(process.argv));

/**
 * In a checkout, src/ edited after the last build means this command would silently run old code:
 * say so. Installed packages (the Gradescope zip) ship no src/ and skip the check.
 */
function warnIfStale() {
  const src = fileURLToPath(new URL('../src', import.meta.url));
  const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  if (!existsSync(src)) return;
  if (!existsSync(built)) {
    process.stderr.write('dsgrade: dist/ is missing: run `npm run build` (or `npm ci`) first\n');
    process.exit(3);
  }
  const builtAt = statSync(built).mtimeMs;
  const newer = readdirSync(src, { recursive: true }).find((f) => String(f).endsWith('.ts') && statSync(`${src}/${f}`).mtimeMs > builtAt);
  if (newer) process.stderr.write(`dsgrade: warning: src/${newer} changed after the last build; this runs the old code in dist/ — run \`npm run build\`\n`);
}
