/**
 * Where a course tree keeps its Go module: the folder with go.mod (the module root), the module
 * path, the course's Go version, and whether the tree is GOPATH-shaped (`src/github.com/cmu440/…`,
 * as 15-440 hands it out) or a plain module. Reads files only; nothing is built.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DsgradeError } from '../errors.js';

export interface Layout {
  /** Absolute path of the course tree (the future `starter`). */
  treeDir: string;
  /** Folder of go.mod relative to the tree, slash-separated ("" when go.mod is at the top). */
  moduleRoot: string;
  /** The `module` line of go.mod. */
  module: string;
  /** The `go` line of go.mod, when there is one. */
  goVersion?: string;
  /** `gopath`: the module root is `src/<module path>`, the layout of a GOPATH workspace. */
  kind: 'module' | 'gopath';
  /** Modules go.mod requires (grading builds offline unless the manifest allows downloads). */
  requires?: string[];
  /** Why this module root: one sentence for the init report. */
  why: string;
}

/** Folders the go command never looks into, and ones that are never part of a course tree. */
export function isIgnoredFolder(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_') || name === 'testdata' || name === 'vendor' || name === 'node_modules';
}

interface Scan {
  goMods: string[];
  /** Folders (tree-relative) that hold at least one .go file. */
  goDirs: string[];
}

async function scanTree(treeDir: string): Promise<Scan> {
  const goMods: string[] = [];
  const goDirs = new Set<string>();
  async function walk(rel: string): Promise<void> {
    const entries = await fs.readdir(path.join(treeDir, rel), { withFileTypes: true });
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!isIgnoredFolder(e.name)) await walk(child);
      } else if (e.isFile()) {
        if (e.name === 'go.mod') goMods.push(rel);
        else if (e.name.endsWith('.go')) goDirs.add(rel);
      }
    }
  }
  await walk('');
  return { goMods: goMods.sort(), goDirs: [...goDirs].sort() };
}

/**
 * findLayout locates the module of `treeDir`. With `moduleRoot` given, that folder must hold
 * go.mod. Without, the tree must have exactly one go.mod; a GOPATH tree without go.mod is refused
 * with the `go mod init` command that fixes it (dsgrade builds modules only).
 */
export async function findLayout(treeDir: string, moduleRoot?: string): Promise<Layout> {
  const abs = path.resolve(treeDir);
  const stat = await fs.stat(abs).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new DsgradeError('INIT_NO_MODULE', `course tree not found: ${treeDir}`, { file: abs, fix: 'pass the folder that holds the starter code (the tree students receive)' });
  }
  const scan = await scanTree(abs);
  let root: string;
  let why: string;
  if (moduleRoot !== undefined) {
    root = moduleRoot.replace(/^\.\/?/, '').replace(/\/+$/, '');
    if (!scan.goMods.includes(root)) {
      throw new DsgradeError('INIT_NO_MODULE', `no go.mod in ${path.join(abs, root)}`, {
        file: path.join(abs, root, 'go.mod'),
        fix: scan.goMods.length ? `use one of the folders that hold go.mod: ${scan.goMods.map((m) => m || '.').join(', ')}` : 'create go.mod there (go mod init <module path>)',
      });
    }
    why = '--module-root';
  } else if (scan.goMods.length === 1) {
    root = scan.goMods[0]!;
    why = `the only go.mod of the tree is ${root ? `${root}/go.mod` : 'go.mod'}`;
  } else if (scan.goMods.length > 1) {
    // Nested modules (a tool with its own go.mod inside the course's) leave the outermost one that
    // holds the Go packages; anything else is for the author to say.
    const outer = scan.goMods.filter((m) => !scan.goMods.some((o) => o !== m && isInside(m, o)));
    if (outer.length === 1 && scan.goDirs.every((d) => isInside(d, outer[0]!))) {
      root = outer[0]!;
      why = `${root || '.'}/go.mod holds every Go package (the other go.mod files are nested modules inside it: ${scan.goMods.filter((m) => m !== root).join(', ')})`;
    } else {
      throw new DsgradeError('INIT_AMBIGUOUS_MODULE', `the course tree has ${scan.goMods.length} go.mod files: ${scan.goMods.map((m) => (m ? `${m}/go.mod` : 'go.mod')).join(', ')}`, {
        file: abs,
        fix: 'say which module students work in with --module-root <folder> (dsgrade grades one module per project)',
      });
    }
  } else {
    throw noGoMod(abs, scan);
  }
  const goMod = await fs.readFile(path.join(abs, root, 'go.mod'), 'utf8');
  const module = /^module\s+("?)([^\s"]+)\1\s*$/m.exec(goMod)?.[2];
  if (!module) {
    throw new DsgradeError('INIT_NO_MODULE', `go.mod declares no module: ${path.join(abs, root, 'go.mod')}`, { file: path.join(abs, root, 'go.mod'), fix: 'add a `module <path>` line (go mod init <path>)' });
  }
  const goVersion = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(goMod)?.[1];
  const kind = root === `src/${module}` || root.endsWith(`/src/${module}`) ? 'gopath' : 'module';
  const requires = goModRequires(goMod);
  return { treeDir: abs, moduleRoot: root, module, ...(goVersion ? { goVersion } : {}), kind, why, ...(requires.length ? { requires } : {}) };
}

/** The module paths of go.mod's require directives, single-line and block forms. */
export function goModRequires(goMod: string): string[] {
  const out: string[] = [];
  const text = goMod.replace(/\/\/.*$/gm, '');
  for (const m of text.matchAll(/^require\s+\(([\s\S]*?)\)/gm)) for (const line of m[1]!.split('\n')) if (line.trim()) out.push(line.trim().split(/\s+/)[0]!);
  for (const m of text.matchAll(/^require\s+([^\s(]+)\s+\S+/gm)) out.push(m[1]!);
  return out;
}

function isInside(child: string, parent: string): boolean {
  return parent === '' || child === parent || child.startsWith(`${parent}/`);
}

/**
 * A tree with Go files and no go.mod. When it is GOPATH-shaped (`src/<host>/<path>/<pkg>`), the
 * fix names the folder and module path that `go mod init` needs: the deepest folder under src/
 * that holds every package.
 */
function noGoMod(abs: string, scan: Scan): DsgradeError {
  if (scan.goDirs.length === 0) {
    return new DsgradeError('INIT_NO_MODULE', `no Go files in the course tree: ${abs}`, { file: abs, fix: 'pass the folder with the starter code (the .go files students receive)' });
  }
  const underSrc = scan.goDirs.filter((d) => d.startsWith('src/'));
  if (underSrc.length === scan.goDirs.length) {
    const common = commonFolder(underSrc.map((d) => d.split('/')));
    // The package folders themselves are below the module root: keep at least one level above them.
    const rootParts = common.length === underSrc[0]!.split('/').length && underSrc.length === 1 ? common.slice(0, -1) : common;
    const root = rootParts.join('/');
    const modulePath = rootParts.slice(1).join('/');
    if (modulePath) {
      return new DsgradeError('INIT_NO_MODULE', `GOPATH-style tree without go.mod: ${abs} (packages under ${root}/)`, {
        file: path.join(abs, root),
        fix: `dsgrade builds Go modules: create one where the packages' import paths start — (cd ${path.join(abs, root)} && go mod init ${modulePath}) — then run dsgrade init again`,
      });
    }
  }
  return new DsgradeError('INIT_NO_MODULE', `no go.mod in the course tree: ${abs}`, {
    file: abs,
    fix: 'create go.mod in the folder where the import paths of the packages start (go mod init <module path>), then run dsgrade init again',
  });
}

function commonFolder(paths: string[][]): string[] {
  const first = paths[0] ?? [];
  let n = first.length;
  for (const p of paths) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n);
}
