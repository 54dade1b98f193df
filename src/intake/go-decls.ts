/**
 * The names a Go file declares at the top level, read without the Go toolchain: package clause,
 * functions, types, variables, constants, methods as `Type.Method`, and the fields and interface
 * methods of declared types as `Type.Field`. Used only to *explain* (an edited staff copy, a build
 * error whose missing name lives in a file that was not graded); it never decides a verdict, so a
 * file it misreads costs a less precise message, nothing more. Student code may be anything: the
 * scanner is a linear pass over tokens with no recursion, and gives up quietly on nonsense.
 */

export interface GoDecls {
  /** The package clause, e.g. "bitcoin". */
  package?: string;
  /** Declared names, in source order, without duplicates. */
  names: string[];
}

interface Token {
  /** Identifier text, or the punctuation character; every literal is "lit". */
  v: string;
  ident: boolean;
  /** First token after a newline or a `;`. */
  lineStart: boolean;
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const IDENT = /[\p{L}\p{Nd}_]+/uy;
const NUMBER = /[0-9a-zA-Z_.]+/y;

/** tokenize drops comments and reads every string, rune and number as one "lit" token. */
function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let lineStart = true;
  let i = 0;
  const push = (v: string, ident: boolean): void => {
    tokens.push({ v, ident, lineStart });
    lineStart = false;
  };
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\n') {
      lineStart = true;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end < 0 ? src.length : end;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (src.slice(i, end < 0 ? src.length : end).includes('\n')) lineStart = true;
      i = end < 0 ? src.length : end + 2;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
      if (src[i] === c) i++;
      push('lit', false);
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      i = end < 0 ? src.length : end + 1;
      push('lit', false);
    } else if (/[\p{L}_]/u.test(c)) {
      IDENT.lastIndex = i;
      const m = IDENT.exec(src) as RegExpExecArray;
      push(m[0], true);
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      NUMBER.lastIndex = i;
      i += (NUMBER.exec(src) as RegExpExecArray)[0].length;
      push('lit', false);
    } else {
      if (c === ';') {
        i++;
        lineStart = true;
        continue;
      }
      push(c, false);
      i++;
    }
  }
  return tokens;
}

/** scanGoDecls returns the package clause and the declared names of a Go source file. */
export function scanGoDecls(src: string): GoDecls {
  const t = tokenize(src);
  const names: string[] = [];
  const add = (n: string | undefined): void => {
    if (n && n !== '_' && !names.includes(n)) names.push(n);
  };
  let pkg: string | undefined;

  /** Index just past the group opened at i (balanced brackets; unbalanced input ends the file). */
  const skipGroup = (i: number): number => {
    const stack: string[] = [];
    for (let j = i; j < t.length; j++) {
      const v = (t[j] as Token).v;
      if (OPEN[v]) stack.push(OPEN[v]);
      else if (v === stack[stack.length - 1]) {
        stack.pop();
        if (stack.length === 0) return j + 1;
      }
    }
    return t.length;
  };
  /** Index of the next top-level declaration keyword at or after i. */
  const nextDecl = (i: number): number => {
    let j = i;
    while (j < t.length) {
      const tok = t[j] as Token;
      if (tok.lineStart && tok.ident && ['func', 'type', 'var', 'const', 'import'].includes(tok.v) && j > i) return j;
      j = OPEN[tok.v] ? skipGroup(j) : j + 1;
    }
    return t.length;
  };
  /** The members (fields, interface methods) of a `struct {` or `interface {` whose brace is at i. */
  const members = (i: number, owner: string): void => {
    const end = skipGroup(i) - 1;
    let j = i + 1;
    while (j < end) {
      // One entry: from a line start to the next line start at this depth.
      const entry: Token[] = [];
      do {
        const tok = t[j] as Token;
        entry.push(tok);
        j = OPEN[tok.v] ? skipGroup(j) : j + 1;
      } while (j < end && !(t[j] as Token).lineStart);
      const [a, b] = entry;
      if (!a) continue;
      if (a.ident && (b === undefined || b.v === 'lit')) add(`${owner}.${a.v}`); // embedded T
      else if (a.v === '*' && b?.ident) add(`${owner}.${entry[2]?.v === '.' ? (entry[3]?.v ?? b.v) : b.v}`); // embedded *T or *pkg.T
      else if (a.ident && b?.v === '.') add(`${owner}.${entry[2]?.v ?? ''}`); // embedded pkg.T
      else if (a.ident) {
        // `A, B int` or `Method(...)`.
        for (let k = 0; k < entry.length; k += 2) {
          const n = entry[k] as Token;
          if (!n.ident) break;
          add(`${owner}.${n.v}`);
          if (entry[k + 1]?.v !== ',') break;
        }
      }
    }
  };
  /** A type spec starting at i (the name); returns the index after it. */
  const typeSpec = (i: number, stop: number): void => {
    const name = t[i];
    if (!name?.ident) return;
    add(name.v);
    let j = i + 1;
    if (t[j]?.v === '[' && t[j + 1]?.ident && t[j + 2]?.v !== ']') j = skipGroup(j); // type parameters
    if (t[j]?.v === '=') j++;
    if (t[j]?.v === '*') return;
    if ((t[j]?.v === 'struct' || t[j]?.v === 'interface') && t[j + 1]?.v === '{' && j + 1 < stop) members(j + 1, name.v);
  };
  /** Entries of a parenthesised group at i: each line start inside it begins one spec. */
  const groupEntries = (i: number, each: (at: number, stop: number) => void): number => {
    const end = skipGroup(i);
    let j = i + 1;
    while (j < end - 1) {
      const start = j;
      do j = OPEN[(t[j] as Token).v] ? skipGroup(j) : j + 1;
      while (j < end - 1 && !(t[j] as Token).lineStart);
      each(start, j);
    }
    return end;
  };
  const valueNames = (i: number, stop: number): void => {
    for (let k = i; k < stop; k += 2) {
      const n = t[k] as Token;
      if (!n.ident) break;
      add(n.v);
      if (t[k + 1]?.v !== ',') break;
    }
  };

  let i = 0;
  while (i < t.length) {
    const tok = t[i] as Token;
    const next = t[i + 1];
    if (tok.v === 'package' && tok.ident && next?.ident && pkg === undefined) {
      pkg = next.v;
      i += 2;
      continue;
    }
    if (!tok.ident || !tok.lineStart) {
      i = nextDecl(i);
      continue;
    }
    if (tok.v === 'func') {
      let j = i + 1;
      let receiver: string | undefined;
      if (t[j]?.v === '(') {
        const end = skipGroup(j);
        // Identifiers directly inside the receiver group (not in [type params]): `s *server` → server.
        const idents: string[] = [];
        for (let k = j + 1; k < end - 1; k = OPEN[(t[k] as Token).v] ? skipGroup(k) : k + 1) if ((t[k] as Token).ident) idents.push((t[k] as Token).v);
        receiver = idents.length >= 2 ? idents[1] : idents[0];
        j = end;
      }
      const name = t[j];
      if (name?.ident) add(receiver ? `${receiver}.${name.v}` : name.v);
    } else if (tok.v === 'type') {
      if (next?.v === '(') {
        i = groupEntries(i + 1, (at, stop) => typeSpec(at, stop));
        continue;
      }
      typeSpec(i + 1, nextDecl(i));
    } else if (tok.v === 'var' || tok.v === 'const') {
      if (next?.v === '(') {
        i = groupEntries(i + 1, valueNames);
        continue;
      }
      valueNames(i + 1, nextDecl(i));
    }
    i = nextDecl(i);
  }
  return { ...(pkg !== undefined ? { package: pkg } : {}), names };
}

/** isExported reports whether every part of a declared name (`Type.Method`) is exported. */
export function isExported(name: string): boolean {
  return name.split('.').every((part) => /^\p{Lu}/u.test(part));
}
