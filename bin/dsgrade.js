#!/usr/bin/env node
// Thin entry: all behaviour lives in src/cli/main.ts (compiled to dist/ by `npm run build`,
// which `npm ci`/`npm install` run through the `prepare` script). Exiting explicitly ends any
// work a command abandoned on purpose (a grading run stopped by its time budget).
import { main } from '../dist/cli/main.js';

process.exit(await main(process.argv));
