/** `dsgrade merge <shard-out...> -o <dir>`: combine shard outputs into one class summary. */
import path from 'node:path';
import { mergeShards } from '../batch/merge.js';
import { EXIT } from './exit-codes.js';
import { processIO, type CommandIO } from './io.js';

export interface MergeCommandOptions {
  shards: string[];
  out: string;
  io?: CommandIO;
}

export async function mergeCommand(opts: MergeCommandOptions): Promise<number> {
  const io = opts.io ?? processIO();
  const r = await mergeShards(opts.shards, opts.out);
  for (const w of r.warnings) io.stderr.write(`dsgrade: warning: ${w}\n`);
  io.stdout.write(`merged ${opts.shards.length} shard folder(s): ${r.submissions} submission(s)\nsummary: ${path.join(opts.out, 'summary.html')}\n         ${path.join(opts.out, 'summary.csv')}\n`);
  return EXIT.OK;
}
