import { describe, expect, it } from 'vitest';
import { evaluateCheck, type CheckInput } from '../../src/checks/static-checks.js';
import type { CheckSpec } from '../../src/manifest/types.js';
import type { VetFileReport } from '../../src/checks/vet-client.js';

const gofmt: CheckSpec = { id: 'gofmt', name: 'gofmt', kind: 'gofmt', points: 1, visibility: 'visible', tags: [], files: ['p0partA/server_impl.go', 'p0partB/squarer_test.go'] };
const formatted = (display: string): VetFileReport => ({ display, gofmt: { formatted: true } });

function input(over: Partial<CheckInput>): CheckInput {
  return {
    check: gofmt,
    present: ['p0partA/server_impl.go', 'p0partB/squarer_test.go'],
    missing: [],
    reports: new Map([
      ['p0partA/server_impl.go', formatted('p0partA/server_impl.go')],
      ['p0partB/squarer_test.go', formatted('p0partB/squarer_test.go')],
    ]),
    displayName: (p) => p.split('/').pop()!,
    module: 'github.com/cmu440',
    ...over,
  };
}

describe('evaluateCheck', () => {
  it('a missing file is not the check\'s failure: the files handed in are judged, the missing one is named as not checked (#10 item 9)', () => {
    const out = evaluateCheck(input({ present: ['p0partA/server_impl.go'], missing: ['p0partB/squarer_test.go'] }));
    expect(out.verdict).toBe('passed');
    expect(out.output).toContain('OK for server_impl.go');
    expect(out.output).toContain('Not checked, because not handed in: p0partB/squarer_test.go');
  });

  it('a real problem in a present file still fails, and the missing file is only a note', () => {
    const reports = new Map([['p0partA/server_impl.go', { display: 'x', gofmt: { formatted: false, diff: '-a\n+b' } }]]);
    const out = evaluateCheck(input({ present: ['p0partA/server_impl.go'], missing: ['p0partB/squarer_test.go'], reports }));
    expect(out.verdict).toBe('failed');
    expect(out.summary).toBe('server_impl.go: not gofmt-formatted');
    expect(out.output).not.toMatch(/squarer_test\.go: not handed in/);
  });

  it('with nothing handed in there is nothing to give points for: it fails, naming the one cause', () => {
    const out = evaluateCheck(input({ present: [], missing: ['p0partA/server_impl.go', 'p0partB/squarer_test.go'] }));
    expect(out.verdict).toBe('failed');
    expect(out.summary).toBe('nothing to check: p0partA/server_impl.go, p0partB/squarer_test.go were not handed in');
  });

  it('globs, `**` included, select the present files', () => {
    const check = { ...gofmt, files: ['**/*.go'] };
    const reports = new Map([
      ['bitcoin/common.go', formatted('a')],
      ['bitcoin/server/server.go', { display: 'b', gofmt: { formatted: false } }],
    ]);
    const out = evaluateCheck(input({ check, present: ['bitcoin/common.go', 'bitcoin/server/server.go'], reports }));
    expect(out.summary).toBe('server.go: not gofmt-formatted');
  });
});
