/**
 * Reads the trace the P2 staff rpc package writes into an attempt's artifacts folder
 * (rpc-trace.jsonl, projects/p2-raft/starter/.../rpc/doc.go "# Trace"): one JSON object per line,
 * `t` in µs since the network was made.
 *
 * The file is written by the test's process, which runs student code: it is untrusted input, read
 * for display only (docs/security.md). So it is opened without following links and must be a
 * plain file with one link (not a FIFO, a device, or a hard link to someone else's file); only its
 * first HEAD_BYTES and its last TAIL_BYTES are read (the last part is the one before the failure);
 * every line is parsed on its own and kept only when its fields have the expected types; strings
 * are cut and cleaned. Nothing here throws for a bad file: a trace that cannot be used is absent.
 */
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

export const RPC_TRACE_FILE = 'rpc-trace.jsonl';

export type RpcAction = 'forward' | 'delay' | 'drop' | 'block';

export interface RpcCallRecord {
  kind: 'call';
  tMs: number;
  link: string;
  from: string;
  to: string;
  dir: 'forward' | 'reverse';
  seq: number;
  size: number;
  method: string;
  action: RpcAction;
  delayMs: number;
}

export interface RpcStateRecord {
  kind: 'state';
  tMs: number;
  node: string;
  term: number;
  leader: boolean;
}

export interface RpcEventRecord {
  kind: 'event';
  tMs: number;
  text: string;
}

/** A network was made (or re-seeded): its seed, as written (decimal int64). */
export interface RpcNetworkRecord {
  kind: 'network';
  tMs: number;
  seed: string;
}

export type RpcTraceRecord = RpcCallRecord | RpcStateRecord | RpcEventRecord | RpcNetworkRecord;

export interface RpcTrace {
  records: RpcTraceRecord[];
  /** The file's size. */
  fileBytes: number;
  /** Bytes in the middle of a long file that were not read (0: all of it was). */
  skippedBytes: number;
  /** Lines that were not a record of the trace format (skipped). */
  malformedLines: number;
  /** The file as read, when asked for and it was read whole (kept artifacts keep a copy). */
  text?: string;
}

export interface RpcTraceLimits {
  headBytes: number;
  tailBytes: number;
}

/** The head holds the network's seed and the test's first events; the tail the last part before the failure. */
export const DEFAULT_TRACE_LIMITS: RpcTraceLimits = { headBytes: 64 * 1024, tailBytes: 8 * 1024 * 1024 };

const MAX_STRING = 200;
const MAX_NAME = 40;
/** A day in ms: later times are nonsense, not a test's. */
const MAX_T_MS = 86_400_000;
const ACTIONS = new Set<string>(['forward', 'delay', 'drop', 'block']);

/**
 * The trace in `dir`, or undefined when there is none or it is not a plain file. `dir` is the
 * attempt's artifacts folder, whose parent is dsgrade's; the folder is opened without following
 * a link and the file is looked up inside that open folder, so neither can be swapped for a link.
 */
export async function readRpcTrace(dir: string, limits: RpcTraceLimits = DEFAULT_TRACE_LIMITS, opts: { keepText?: boolean } = {}): Promise<RpcTrace | undefined> {
  let folder: fs.FileHandle | undefined;
  let file: fs.FileHandle | undefined;
  try {
    folder = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    const inside = process.platform === 'linux' ? `/proc/self/fd/${folder.fd}/${RPC_TRACE_FILE}` : path.join(dir, RPC_TRACE_FILE);
    // O_NONBLOCK: a FIFO put in its place must not hang the grade (it is refused below).
    file = await fs.open(inside, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await file.stat();
    // One name only: not a hard link to a file the test could not read itself (a symbolic link was refused above).
    if (!st.isFile() || st.nlink !== 1) return undefined;
    const size = st.size;
    if (size <= limits.headBytes + limits.tailBytes) {
      const text = await readAt(file, 0, size);
      return { ...parseRpcTraceLines(text), fileBytes: size, skippedBytes: 0, ...(opts.keepText ? { text } : {}) };
    }
    const head = await readAt(file, 0, limits.headBytes);
    const tail = await readAt(file, size - limits.tailBytes, limits.tailBytes);
    // Lines cut by the two boundaries are dropped.
    const headText = head.slice(0, Math.max(0, head.lastIndexOf('\n')));
    const tailText = tail.slice(tail.indexOf('\n') + 1);
    const a = parseRpcTraceLines(headText);
    const b = parseRpcTraceLines(tailText);
    return { records: [...a.records, ...b.records], malformedLines: a.malformedLines + b.malformedLines, fileBytes: size, skippedBytes: size - limits.headBytes - limits.tailBytes };
  } catch {
    return undefined;
  } finally {
    await file?.close().catch(() => undefined);
    await folder?.close().catch(() => undefined);
  }
}

async function readAt(file: fs.FileHandle, position: number, length: number): Promise<string> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await file.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got).toString('utf8');
}

/** Every line of `text` that is a record of the trace format, and how many were not. */
export function parseRpcTraceLines(text: string): { records: RpcTraceRecord[]; malformedLines: number } {
  const records: RpcTraceRecord[] = [];
  let malformedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const r = parseRecord(line);
    if (r) records.push(r);
    else malformedLines++;
  }
  return { records, malformedLines };
}

function parseRecord(line: string): RpcTraceRecord | undefined {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const r = o as Record<string, unknown>;
  const t = r.t;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t / 1000 > MAX_T_MS) return undefined;
  const tMs = t / 1000;
  switch (r.kind) {
    case 'state':
      if (!isName(r.node) || !isCount(r.term) || typeof r.leader !== 'boolean') return undefined;
      return { kind: 'state', tMs, node: clean(r.node, MAX_NAME), term: r.term, leader: r.leader };
    case 'event':
      return { kind: 'event', tMs, text: typeof r.text === 'string' ? clean(r.text, MAX_STRING) : '' };
    case 'network': {
      // The seed is an int64: taken from the text, as JSON numbers lose digits past 2^53.
      const seed = /"seed":\s*(-?\d{1,20})\b/.exec(line)?.[1];
      return seed === undefined ? undefined : { kind: 'network', tMs, seed };
    }
    case undefined: {
      if (!isName(r.link) || !isName(r.from) || !isName(r.to) || (r.dir !== 'forward' && r.dir !== 'reverse')) return undefined;
      if (!isCount(r.seq) || typeof r.action !== 'string' || !ACTIONS.has(r.action)) return undefined;
      const delayMs = typeof r.delayMs === 'number' && Number.isFinite(r.delayMs) && r.delayMs > 0 ? Math.min(r.delayMs, MAX_T_MS) : 0;
      return {
        kind: 'call',
        tMs,
        link: clean(r.link, MAX_NAME),
        from: clean(r.from, MAX_NAME),
        to: clean(r.to, MAX_NAME),
        dir: r.dir,
        seq: r.seq,
        size: isCount(r.size) ? r.size : 0,
        method: typeof r.method === 'string' ? clean(r.method, MAX_NAME) : '',
        action: r.action as RpcAction,
        delayMs,
      };
    }
    default:
      return undefined;
  }
}

const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Control characters out, at most `max` characters. */
function clean(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const c = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return c.length > max ? `${c.slice(0, max - 1)}…` : c;
}
