/**
 * The graded items a run will produce, known before anything runs: ids, names and points. Used
 * for progress totals and, when a time budget runs out, to report what could not be graded.
 */
import type { Manifest } from '../manifest/types.js';
import type { Visibility } from '../model.js';

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
