/**
 * Which staff tests the course runs under the race detector. Evidence, in this order: a `go test`
 * command with `-race` in the tree's scripts (Makefile, *.sh, CI workflows, READMEs), for the
 * packages and `-run` pattern it names; a test whose name says "race" (TestRace, TestNoDataRace).
 * The handout may say more than the tree: init prints what it found and says to check the rest.
 */

/** A `go test -race` command found in a script. */
export interface RaceCommand {
  /** Tree-relative path of the script and the line (1-based). */
  source: string;
  line: number;
  text: string;
  /**
   * Packages it names, module-relative: "" the root package, "lsp", "lsp/..." a subtree, "..." all.
   * Import paths of the module are turned into folders; other arguments are ignored.
   */
  packages: string[];
  /** The -run pattern, when it has one. */
  run?: string;
}

/** File names that hold commands a course runs. */
export function isScriptFile(name: string): boolean {
  return /^(GNU)?[Mm]akefile$|\.mk$|\.sh$|\.bash$|^README(\.md|\.txt)?$|\.ya?ml$/.test(name);
}

/** Splits a shell line into words, honouring single and double quotes (enough for `go test` lines). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** go test flags that take a value as the next word (the others are booleans). */
const VALUE_FLAGS = new Set(['-run', '-count', '-timeout', '-cpu', '-parallel', '-p', '-tags', '-bench', '-benchtime', '-coverprofile', '-o', '-exec', '-skip', '-shuffle', '-ldflags', '-gcflags', '-mod', '-vet']);

/**
 * findRaceCommands returns every `go test … -race …` command in `text` (a script named `source`,
 * `scriptDir` its folder relative to the module root, or undefined when it lies outside it).
 */
export function findRaceCommands(source: string, text: string, module: string, scriptDir: string | undefined): RaceCommand[] {
  const out: RaceCommand[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    // Commands may be chained (`cd x && go test -race ./...`); look at each `go test` on the line.
    for (const m of raw.matchAll(/\bgo\s+test\b([^;&|`#\n]*)/g)) {
      const args = words(m[1] ?? '');
      const flags = args.map((a) => a.replace(/^--/, '-'));
      if (!flags.some((a) => a === '-race' || a === '-race=true')) continue;
      const packages: string[] = [];
      let run: string | undefined;
      for (let k = 0; k < flags.length; k++) {
        const a = flags[k]!;
        if (a.startsWith('-')) {
          const [flag, value] = a.split('=', 2) as [string, string | undefined];
          if (flag === '-run') run = value ?? flags[k + 1];
          if (value === undefined && VALUE_FLAGS.has(flag)) k++;
          continue;
        }
        const pkg = toPackage(a, module, scriptDir);
        if (pkg !== undefined) packages.push(pkg);
      }
      // No package named: go test tests the folder it runs in (the module's root when unknown).
      if (packages.length === 0) packages.push(scriptDir ?? '');
      out.push({ source, line: i + 1, text: raw.trim(), packages, ...(run !== undefined ? { run } : {}) });
    }
  });
  return out;
}

function toPackage(arg: string, module: string, scriptDir: string | undefined): string | undefined {
  const base = scriptDir ?? '';
  if (arg === './...' || arg === '...' || arg === `${module}/...`) return base ? `${base}/...` : '...';
  if (arg === '.' || arg === './') return base;
  if (arg.startsWith('./')) return joinRel(base, arg.slice(2).replace(/\/$/, ''));
  if (arg === module) return '';
  if (arg.startsWith(`${module}/`)) return arg.slice(module.length + 1);
  return undefined;
}

function joinRel(base: string, rel: string): string {
  return base ? `${base}/${rel}` : rel;
}

/** coversPackage reports whether a command's package list includes `pkg` (module-relative folder). */
export function coversPackage(cmd: RaceCommand, pkg: string): boolean {
  return cmd.packages.some((p) => {
    if (p === '...') return true;
    if (p.endsWith('/...')) {
      const prefix = p.slice(0, -4);
      return pkg === prefix || pkg.startsWith(`${prefix}/`);
    }
    return p === pkg;
  });
}

export interface RaceGuess {
  race: boolean;
  /** The evidence, empty when there is none. */
  why: string;
}

/** raceFor decides `race` for one test of package `pkg` from the commands found and its name. */
export function raceFor(pkg: string, test: string, commands: readonly RaceCommand[]): RaceGuess {
  for (const c of commands) {
    if (!coversPackage(c, pkg)) continue;
    if (c.run !== undefined) {
      let re: RegExp;
      try {
        re = new RegExp(c.run.split('/')[0]!);
      } catch {
        continue;
      }
      if (!re.test(test)) continue;
    }
    return { race: true, why: `${c.source}:${c.line}: ${c.text}` };
  }
  // "Race" as a word of the name (TestRace, TestNoDataRace, Test_race), not inside one (TestTraceback).
  if (/Races?(?![a-z])|(?:^|_)races?(?![a-z])/.test(test.replace(/^Test/, ''))) return { race: true, why: 'its name says "race"' };
  return { race: false, why: '' };
}
