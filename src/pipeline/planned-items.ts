/**
 * The graded items a run will produce, known before anything runs: ids, names and points. Used
 * for progress totals and, when a time budget runs out, to report what could not be graded.
 */
import { DsgradeError } from '../errors.js';
import { editDistance } from '../intake/suggest.js';
import type { Manifest } from '../manifest/types.js';
import type { Visibility } from '../model.js';
import { selector } from './context.js';

export interface PlannedItem {
  id: string;
  suite: string;
  name: string;
  number?: string;
  maxScore: number;
  visibility: Visibility;
  tags: string[];
}

export function planItems(m: Manifest, selected: (id: string) => boolean): PlannedItem[] {
  const items: PlannedItem[] = [];
  const add = (item: PlannedItem): void => {
    if (selected(item.id)) items.push(item);
  };
  add({ id: 'build', suite: 'build', name: 'Build (go build ./...)', maxScore: 0, visibility: 'visible', tags: ['build'] });
  for (const c of m.checks) add({ id: `check/${c.id}`, suite: 'check', name: c.name, number: c.number, maxScore: c.points, visibility: c.visibility, tags: c.tags });
  for (const s of m.suites) {
    if (s.kind === 'gotest') {
      for (const t of s.tests) add({ id: `${s.id}/${t.name}`, suite: s.id, name: t.displayName, number: t.number, maxScore: t.points, visibility: t.visibility, tags: t.tags });
      if (s.leaks) add({ id: `${s.id}/leaks`, suite: s.id, name: s.leaks.name, number: s.leaks.number, maxScore: s.leaks.points, visibility: s.leaks.visibility, tags: s.leaks.tags });
    } else if (s.kind === 'scenario') {
      for (const sc of s.scenarios) add({ id: `${s.id}/${sc.name}`, suite: s.id, name: sc.displayName, number: sc.number, maxScore: sc.points, visibility: sc.visibility, tags: sc.tags });
    } else {
      add({ id: `${s.id}/correct`, suite: s.id, name: `${s.name}: your tests pass on the correct implementation`, number: s.correct.number, maxScore: s.correct.points, visibility: s.visibility, tags: s.tags });
      for (const b of s.buggy) add({ id: `${s.id}/${b.name}`, suite: s.id, name: `${s.name}: your tests catch buggy implementation "${b.name}"`, number: b.number, maxScore: b.points, visibility: s.visibility, tags: s.tags });
    }
  }
  return items;
}

/**
 * `--only` patterns that select nothing are a usage error (a typo would otherwise grade nothing and
 * print "Score: 0/0"): names each one, the closest ids, and what the project has.
 */
export function checkOnly(m: Manifest, only: readonly string[] | undefined): void {
  if (!only || only.length === 0) return;
  const all = planItems(m, () => true);
  const unmatched = only.filter((o) => !all.some((item) => selector([o])(item.id)));
  if (unmatched.length === 0) return;
  const near = [...new Set(unmatched.flatMap((o) => closest(o, all.map((i) => i.id))))].slice(0, 6);
  const groups = new Map<string, string[]>();
  for (const item of all) {
    const [group, ...rest] = item.id.split('/');
    groups.set(group!, [...(groups.get(group!) ?? []), rest.join('/')].filter(Boolean));
  }
  const listing = [...groups].map(([g, ids]) => (ids.length === 0 ? g : `${g}/{${ids.join(',')}}`));
  throw new DsgradeError('USAGE', `--only matched nothing in project ${m.name}: ${unmatched.map((o) => `"${o}"`).join(', ')}`, {
    fix: `${near.length > 0 ? `did you mean ${near.join(', ')}? ` : ''}name a test id, a suite or a glob (e.g. ${all.find((i) => i.id.includes('/') && !i.id.startsWith('check/'))?.id ?? 'build'}, ${all.find((i) => i.id.includes('/') && !i.id.startsWith('check/'))?.suite ?? 'check'}, 'partA/Test*'); this project has: ${listing.join('; ')}`,
  });
}

/** The ids a mistyped pattern probably meant: the nearest by edit distance, or those containing its last word. */
function closest(pattern: string, ids: readonly string[]): string[] {
  const p = pattern.toLowerCase().replace(/\*/g, '');
  const scored = ids.map((id) => ({ id, d: editDistance(p, id.toLowerCase(), 4) })).filter((x) => x.d <= 4);
  const best = Math.min(...scored.map((x) => x.d));
  const byDistance = scored.filter((x) => x.d === best).map((x) => x.id);
  if (byDistance.length > 0 && byDistance.length <= 3) return byDistance;
  const word = p.split('/').pop() ?? '';
  const containing = word.length >= 3 ? ids.filter((id) => id.toLowerCase().includes(word)) : [];
  return containing.length > 0 && containing.length <= 3 ? containing : byDistance.slice(0, 3);
}
