/**
 * Test helpers for intake: real temp folders, real zips (yazl), and hostile zips made by renaming
 * entries after yazl wrote them (yazl itself refuses `..` and absolute names).
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import yazl from 'yazl';
import type { HandinEntry } from '../../src/manifest/types.js';

export async function makeTmp(prefix = 'dsgrade-intake-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** writeTree writes files (slash paths relative to root) with the given contents. */
export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, ...rel.split('/'));
    await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, content);
  }
}

export interface ZipEntrySpec {
  /** Entry name as stored; may be hostile (`../x`, `/etc/x`). */
  name: string;
  data?: string | Buffer;
  /** Unix mode including the file type bits, e.g. 0o120777 for a symlink. */
  mode?: number;
  compress?: boolean;
}

/** buildZip writes a zip holding the entries, names exactly as given. */
export async function buildZip(file: string, entries: ZipEntrySpec[]): Promise<void> {
  const zip = new yazl.ZipFile();
  const renames: [Buffer, Buffer][] = [];
  entries.forEach((e, i) => {
    let name = e.name;
    const hostile = name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.replace(/\\/g, '/').split('/').includes('..');
    if (hostile) {
      const placeholder = `h${i}q`.padEnd(name.length, 'q');
      if (placeholder.length !== name.length) throw new Error(`hostile name too short for a placeholder: ${name}`);
      renames.push([Buffer.from(placeholder), Buffer.from(name)]);
      name = placeholder;
    }
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : (e.data ?? Buffer.alloc(0));
    zip.addBuffer(data, name, { mode: e.mode ?? 0o100644, compress: e.compress ?? true });
  });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  let buf: Buffer = Buffer.concat(chunks);
  for (const [from, to] of renames) buf = replaceAll(buf, from, to);
  await fs.writeFile(file, buf);
}

function replaceAll(buf: Buffer, from: Buffer, to: Buffer): Buffer {
  let at = buf.indexOf(from);
  if (at < 0) throw new Error(`placeholder not found: ${from.toString()}`);
  while (at >= 0) {
    to.copy(buf, at);
    at = buf.indexOf(from, at + to.length);
  }
  return buf;
}

export function pathEntry(p: string, over: Partial<HandinEntry> = {}): HandinEntry {
  return { path: p, exclude: [], required: true, maxBytes: 1024 * 1024, ...over };
}

export function patternEntry(p: string, over: Partial<HandinEntry> = {}): HandinEntry {
  return { pattern: p, exclude: [], required: false, maxBytes: 1024 * 1024, ...over };
}

/** P0's layout: two handin files, staff files beside them (the starter also ships a stub of server_impl.go). */
export const P0_HANDIN: HandinEntry[] = [pathEntry('p0partA/server_impl.go'), pathEntry('p0partB/squarer_test.go')];

export const P0_STAFF: Record<string, string> = {
  'go.mod': 'module github.com/cmu440\n\ngo 1.21\n',
  'p0partA/server_api.go': 'package p0partA\n\ntype KeyValueServer interface{ Start(port int) error }\n',
  'p0partA/server_impl.go': 'package p0partA\n\n// TODO: implement\n',
  'p0partA/kvstore/kvstore.go': 'package kvstore\n\ntype KVStore interface{}\n',
  'p0partB/squarer.go': 'package p0partB\n\ntype Squarer interface{}\n',
  'p0partB/squarer_impl.go': 'package p0partB\n\ntype SquarerImpl struct{}\n',
};

/** writeStaff writes staff files into dir and returns the tree path → absolute path map. */
export async function writeStaff(dir: string, files: Record<string, string> = P0_STAFF): Promise<Map<string, string>> {
  await writeTree(dir, files);
  return new Map(Object.keys(files).map((rel) => [rel, path.join(dir, ...rel.split('/'))]));
}

export const IMPL = 'package p0partA\n\nfunc New() {}\n';
export const SQTEST = 'package p0partB\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n';
