#!/usr/bin/env node
// Thin entry: all behaviour lives in src/cli/main.ts (compiled to dist/ by `npm run build`,
// which `npm ci`/`npm install` run through the `prepare` script).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
