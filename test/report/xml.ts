/**
 * A strict little XML reader for the JUnit tests: enough of XML 1.0 to parse what
 * junit-report-builder writes (declaration, elements, attributes, text, CDATA, comments, entity
 * and character references) and to throw on anything malformed, so that "parses" means "valid".
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

// eslint-disable-next-line no-control-regex
const ILLEGAL_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

function decodeEntities(text: string, at: number): string {
  return text.replace(/&([^;]*);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare & in text near offset ${at}`);
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    const m = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ref);
    if (!m) throw new Error(`unknown entity ${whole} near offset ${at}`);
    const code = m[1]!.startsWith('x') ? parseInt(m[1]!.slice(1), 16) : parseInt(m[1]!, 10);
    const ch = String.fromCodePoint(code);
    if (ILLEGAL_CHAR.test(ch)) throw new Error(`character reference to an illegal character ${whole}`);
    return ch;
  });
}

export function parseXml(xml: string): XmlElement {
  const bad = ILLEGAL_CHAR.exec(xml);
  if (bad) throw new Error(`illegal XML character U+${bad[0].charCodeAt(0).toString(16)} at offset ${bad.index}`);
  let i = 0;
  const skip = (re: RegExp) => {
    re.lastIndex = i;
    const m = re.exec(xml);
    if (m && m.index === i) i += m[0].length;
    return m && m.index === i - m[0].length ? m : null;
  };
  skip(/<\?xml[^?]*\?>\s*/y);
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      const end = xml.indexOf(']]>', i);
      if (end < 0) throw new Error('unterminated CDATA');
      const parent = stack.at(-1);
      if (!parent) throw new Error('CDATA outside the root element');
      parent.children.push(xml.slice(i + 9, end));
      i = end + 3;
    } else if (xml.startsWith('</', i)) {
      const m = skip(/<\/([A-Za-z_][\w.:-]*)\s*>/y);
      if (!m) throw new Error(`bad closing tag at ${i}`);
      const open = stack.pop();
      if (!open || open.name !== m[1]) throw new Error(`mismatched </${m[1]}> at ${i}`);
      if (stack.length === 0) root = open;
    } else if (xml[i] === '<') {
      const m = skip(/<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/y);
      if (!m) throw new Error(`bad tag at ${i}: ${xml.slice(i, i + 40)}`);
      if (root) throw new Error('content after the root element');
      const el: XmlElement = { name: m[1]!, attrs: {}, children: [] };
      for (const a of m[2]!.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        if (a[1]! in el.attrs) throw new Error(`duplicate attribute ${a[1]}`);
        el.attrs[a[1]!] = decodeEntities(a[2] ?? a[3] ?? '', i);
      }
      stack.at(-1)?.children.push(el);
      if (m[3] === '/') {
        if (stack.length === 0) root = el;
      } else {
        stack.push(el);
      }
    } else {
      const end = xml.indexOf('<', i);
      const text = xml.slice(i, end < 0 ? xml.length : end);
      const parent = stack.at(-1);
      if (!parent) {
        if (text.trim()) throw new Error(`text outside the root element at ${i}`);
      } else {
        if (text.includes(']]>')) throw new Error(`]]> in text at ${i}`);
        parent.children.push(decodeEntities(text, i));
      }
      i = end < 0 ? xml.length : end;
    }
  }
  if (stack.length || !root) throw new Error('unclosed elements');
  return root;
}

/** Elements below `el` (any depth) named `name`, in document order. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    if (c.name === name) out.push(c);
    out.push(...findAll(c, name));
  }
  return out;
}

/** The text of `el`: its text and CDATA children, concatenated. */
export function textOf(el: XmlElement): string {
  return el.children.filter((c): c is string => typeof c === 'string').join('');
}
