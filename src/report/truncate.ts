/**
 * Text hygiene for everything a reporter writes: student programs print anything (NUL bytes, ANSI
 * colour, invalid UTF-8, megabytes of logs), and every report format has to stay valid and readable.
 */
import { groupDigits } from '../util/format-bytes.js';

/** The result of {@link truncateMiddle}. */
export interface Truncated {
  /** The cleaned text, at most the byte budget in UTF-8. */
  text: string;
  /** True when bytes were dropped to fit the budget. */
  truncated: boolean;
  /** UTF-8 bytes of the cleaned text that were dropped (0 when not truncated). */
  omittedBytes: number;
}

// Terminal escape sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ESC \`), and two-byte escapes.
// Removed whole so that no `[31m` residue is left once the ESC itself would be stripped.
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
// C0 controls except \t and \n, DEL and C1 controls. \r is handled before this runs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Lone surrogates (what invalid UTF-16 looks like) and the two non-characters XML rejects.
const ILL_FORMED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g;

/**
 * sanitizeText returns `input` as well-formed text that is safe in JSON, XML and a terminal:
 * invalid UTF-8 (for byte input) and lone surrogates become U+FFFD, ANSI escape sequences are
 * removed, `\r\n` and lone `\r` become `\n`, and every other control character except `\n` and `\t`
 * is dropped.
 */
export function sanitizeText(input: string | Uint8Array): string {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  return text
    .replace(ILL_FORMED, '\ufffd')
    .replace(ANSI_ESCAPES, '')
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL_CHARS, '');
}

function marker(omittedBytes: number): string {
  return `… [dsgrade: ${groupDigits(omittedBytes)} bytes omitted from the middle of this output] …`;
}

const utf8 = new TextEncoder();

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** True when `b` is a UTF-8 continuation byte (10xxxxxx), i.e. not the start of a character. */
function isContinuation(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

/** headEnd returns an end offset ≤ `limit` that does not split a character, preferring a line end. */
function headEnd(bytes: Uint8Array, limit: number): number {
  let end = Math.min(limit, bytes.length);
  while (end > 0 && isContinuation(bytes[end])) end--;
  // Cut after a newline when one is near: a quarter of the head, at most 512 bytes back.
  const window = Math.min(512, Math.floor(end / 4));
  for (let i = end - 1; i >= end - window && i >= 0; i--) {
    if (bytes[i] === 0x0a) return i + 1;
  }
  return end;
}

/** tailStart returns a start offset ≥ `from` that does not split a character, preferring a line start. */
function tailStart(bytes: Uint8Array, from: number): number {
  let start = Math.max(0, from);
  while (start < bytes.length && isContinuation(bytes[start])) start++;
  if (start === 0 || bytes[start - 1] === 0x0a) return start;
  const window = Math.min(512, Math.floor((bytes.length - start) / 4));
  for (let i = start; i < start + window && i < bytes.length; i++) {
    if (bytes[i] === 0x0a) return i + 1;
  }
  return start;
}

/**
 * truncateMiddle cleans `input` (see {@link sanitizeText}) and, when it is longer than `maxBytes`
 * in UTF-8, keeps its head and its tail and puts one marker line in between saying how many bytes
 * were left out. The result never exceeds `maxBytes`, never splits a multi-byte character, and cuts
 * at line boundaries when one is close. When even the marker does not fit, only the head is kept.
 */
export function truncateMiddle(input: string | Uint8Array, maxBytes: number): Truncated {
  const text = sanitizeText(input);
  const budget = Math.max(0, Math.floor(maxBytes));
  const total = byteLength(text);
  if (total <= budget) return { text, truncated: false, omittedBytes: 0 };

  const bytes = utf8.encode(text);
  const decode = (from: number, to: number): string => Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('utf8');

  // The marker for `total` omitted bytes is at least as long as the real one (same or more digits).
  const markerBound = byteLength(`\n${marker(total)}\n`);
  const room = budget - markerBound;
  if (room < 2) {
    const end = headEnd(bytes, budget);
    return { text: decode(0, end), truncated: true, omittedBytes: total - end };
  }

  const headLimit = Math.ceil(room / 2);
  const head = headEnd(bytes, headLimit);
  // The tail may use whatever the head left unused.
  const tail = tailStart(bytes, total - (room - head));
  const omitted = tail - head;
  const prefix = head === 0 || bytes[head - 1] === 0x0a ? '' : '\n';
  const suffix = tail === total ? '' : '\n';
  const out = `${decode(0, head)}${prefix}${marker(omitted)}${suffix}${decode(tail, total)}`;
  return { text: out, truncated: true, omittedBytes: omitted };
}
