/**
 * Placeholders in node arguments, environment values, stdin text and checker arguments:
 *
 *   {{port:X}}  {{addr:X}}        node X's real service port / 127.0.0.1:port
 *   {{addr:A->B}} {{port:A->B}}   the proxy endpoint of the declared link A->B (A talks to B through it)
 *   {{self}} {{node}}             this node's name ({{port:self}}, {{addr:self->B}} work too)
 *   {{index}} {{group}}           a group member's number (1..count) and group name
 *   {{host}} {{seed}} {{artifacts}}  127.0.0.1, the scenario seed, the scenario's artifacts folder
 *
 * Parsing is separate from expansion so the manifest rules can report a bad placeholder with its
 * JSON pointer before anything runs.
 */
export const TEMPLATE_KINDS = ['port', 'addr', 'self', 'node', 'index', 'group', 'host', 'seed', 'artifacts'] as const;
type Kind = (typeof TEMPLATE_KINDS)[number];

export interface Placeholder {
  text: string;
  kind: Kind;
  /** For port/addr: a node name or a link "A->B" (either may be `self`). */
  arg?: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*(?::\s*([^}]*?)\s*)?\}\}/g;

export function parseTemplate(text: string): { placeholders: Placeholder[]; errors: string[] } {
  const placeholders: Placeholder[] = [];
  const errors: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const [whole, rawKind, arg] = m;
    const kind = rawKind as Kind;
    if (!TEMPLATE_KINDS.includes(kind)) {
      errors.push(`unknown placeholder ${whole}: use one of ${TEMPLATE_KINDS.map((k) => `{{${k}${k === 'port' || k === 'addr' ? ':…' : ''}}}`).join(', ')}`);
      continue;
    }
    const needsArg = kind === 'port' || kind === 'addr';
    if (needsArg && !arg) {
      errors.push(`placeholder ${whole} needs a node or link, e.g. {{${kind}:server}} or {{${kind}:self->server}}`);
      continue;
    }
    if (!needsArg && arg) {
      errors.push(`placeholder ${whole} takes no argument: write {{${kind}}}`);
      continue;
    }
    placeholders.push({ text: whole, kind, ...(arg ? { arg } : {}) });
  }
  const stray = text.replace(PLACEHOLDER, '');
  if (stray.includes('{{')) errors.push(`malformed placeholder in "${text}": write {{kind}} or {{kind:argument}}`);
  return { placeholders, errors };
}

/** Splits "A->B" into its ends; undefined for a plain node name. */
export function linkEnds(arg: string): { from: string; to: string } | undefined {
  const i = arg.indexOf('->');
  if (i < 0) return undefined;
  return { from: arg.slice(0, i).trim(), to: arg.slice(i + 2).trim() };
}

export interface TemplateValues {
  /** The node whose text this is; undefined outside node args (checker). */
  self?: { name: string; group: string; index: number };
  seed: string;
  artifacts: string;
  portOf(node: string): number;
  /** The proxy's listen address of link "A->B". */
  linkAddr(link: string): string;
}

export function expandTemplate(text: string, v: TemplateValues): string {
  const resolve = (name: string): string => {
    if (name !== 'self') return name;
    if (!v.self) throw new Error('{{…self…}} used outside a node');
    return v.self.name;
  };
  return text.replace(PLACEHOLDER, (whole, rawKind: string, arg: string | undefined) => {
    switch (rawKind as Kind) {
      case 'self':
      case 'node':
        return v.self?.name ?? whole;
      case 'group':
        return v.self?.group ?? whole;
      case 'index':
        return v.self ? String(v.self.index) : whole;
      case 'host':
        return '127.0.0.1';
      case 'seed':
        return v.seed;
      case 'artifacts':
        return v.artifacts;
      case 'port':
      case 'addr': {
        const ends = linkEnds(arg!);
        const addr = ends ? v.linkAddr(`${resolve(ends.from)}->${resolve(ends.to)}`) : `127.0.0.1:${v.portOf(resolve(arg!.trim()))}`;
        return rawKind === 'port' ? addr.slice(addr.lastIndexOf(':') + 1) : addr;
      }
      default:
        return whole;
    }
  });
}
