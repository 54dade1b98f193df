import { describe, expect, it } from 'vitest';
import { explainCompileErrors, type DiagnosticsContext } from '../../src/build/diagnostics.js';

const ctx = (over: Partial<DiagnosticsContext> = {}): DiagnosticsContext => ({
  handin: [
    { treePath: 'kv/server.go', displayPath: 'src/kv/server.go' },
    { treePath: 'shardkv/server.go', displayPath: 'shardkv-server.go' },
    { treePath: 'kv/client.go', displayPath: 'client.go' },
  ],
  ignoredStaffCopies: [],
  module: 'example.com/course',
  allowDownloads: false,
  ...over,
});

// Compiler messages below were recorded from Go 1.26.8 (`go test -c ./kv` with GOFLAGS=-mod=readonly
// or -mod=mod, GOPROXY=off, an empty module cache), except where a comment says otherwise.
describe('explainCompileErrors', () => {
  it('shows file names as the student knows them', () => {
    const raw = '# example.com/course/kv\nkv/server.go:12:5: undefined: raftState\n./client.go:3:1: syntax error\nshardkv/server.go:7:2: declared and not used: x\n';
    const e = explainCompileErrors(raw, ctx());
    expect(e.summary).toBe('does not compile: src/kv/server.go:12:5: undefined: raftState');
    expect(e.text).toContain('\nsrc/kv/server.go:12:5: undefined: raftState\n');
    expect(e.text).toContain('\nclient.go:3:1: syntax error\n');
    expect(e.text).toContain('\nshardkv-server.go:7:2: declared and not used: x');
    expect(e.text.startsWith('Compiler output:\n')).toBe(true);
  });

  it('does not rename a path that only ends with a handin path', () => {
    const e = explainCompileErrors('other/kv/server.go:1:1: x\n', ctx());
    expect(e.text).toContain('other/kv/server.go:1:1: x');
  });

  it('explains "cannot find module providing package" (-mod=readonly)', () => {
    const raw = '# example.com/course/kv\nkv/server.go:5:2: cannot find module providing package github.com/google/uuid: import lookup disabled by -mod=readonly\n';
    const e = explainCompileErrors(raw, ctx());
    expect(e.summary).toBe('imports a package the project does not provide: github.com/google/uuid');
    expect(e.text).toContain(
      '* src/kv/server.go:5 imports "github.com/google/uuid", which this project does not provide. Only the Go standard library and packages of the module example.com/course are available (no downloads while grading). Remove the import and use the standard library instead.',
    );
    expect(e.text).toContain('Compiler output:\n# example.com/course/kv\nsrc/kv/server.go:5:2: cannot find module');
  });

  it('explains "no required module provides package" (older Go, go build)', () => {
    const raw = 'kv/server.go:5:2: no required module provides package github.com/sasha-s/go-deadlock; to add it:\n\tgo get github.com/sasha-s/go-deadlock\n';
    expect(explainCompileErrors(raw, ctx()).summary).toBe('imports a package the project does not provide: github.com/sasha-s/go-deadlock');
  });

  it('explains "is not in std" and lists every missing package once', () => {
    const raw = [
      '# example.com/course/kv',
      'kv/server.go:5:2: cannot find module providing package github.com/google/uuid: module lookup disabled by GOPROXY=off',
      'kv/server.go:6:2: package kvhelpers/util is not in std (/usr/local/go/src/kvhelpers/util)',
      'kv/client.go:4:2: package kvhelpers/util is not in std (/usr/local/go/src/kvhelpers/util)',
    ].join('\n');
    const e = explainCompileErrors(raw, ctx());
    expect(e.summary).toBe('imports a package the project does not provide: github.com/google/uuid, kvhelpers/util');
    expect(e.text.match(/^\* /gm)).toHaveLength(2);
  });

  it('explains a missing go.sum entry', () => {
    const raw = 'kv/server.go:3:8: missing go.sum entry for module providing package github.com/google/uuid (imported by example.com/course/kv); to add:\n\tgo get example.com/course/kv\n';
    expect(explainCompileErrors(raw, ctx()).summary).toBe('imports a package the project does not provide: github.com/google/uuid');
  });

  it('explains a module lookup refused by GOPROXY=off, with and without the module named', () => {
    // Go 1.26 with a `require` in go.mod and an empty module cache names no package:
    const bare = explainCompileErrors('go: downloading github.com/google/uuid v1.6.0\n# example.com/course/kv\nkv/server.go:3:8: module lookup disabled by GOPROXY=off\n', ctx());
    expect(bare.summary).toBe('imports a package the project does not provide: the import at src/kv/server.go:3');
    expect(bare.text).toContain('* src/kv/server.go:3 imports a package from a module this project does not provide.');
    // Other Go versions prefix the module and version (hand-written from that format):
    const named = explainCompileErrors('kv/server.go:3:8: github.com/google/uuid@v1.6.0: module lookup disabled by GOPROXY=off\n', ctx());
    expect(named.summary).toBe('imports a package the project does not provide: github.com/google/uuid');
  });

  it('says downloads failed when the project allows them', () => {
    const raw = 'kv/server.go:5:2: no required module provides package github.com/x/y; to add it:\n';
    const e = explainCompileErrors(raw, ctx({ allowDownloads: true }));
    expect(e.text).toContain('The module could not be found or downloaded.');
    expect(e.text).not.toContain('no downloads while grading');
  });

  it('explains an edited staff copy and marks staff files in the output', () => {
    const e = explainCompileErrors('# example.com/course/kv\nkv/server.go:30:9: undefined: PutArgs\n', {
      ...ctx(),
      ignoredStaffCopies: [
        { treePath: 'kv/common.go', displayPath: 'common.go', differs: true },
        { treePath: 'kv/config.go', displayPath: 'config.go', differs: false },
      ],
    });
    expect(e.text).toContain('* You handed in an edited copy of common.go, a staff file: the staff copy of kv/common.go was used and your edits were ignored.');
    expect(e.text).not.toContain('config.go');
    expect(e.summary).toBe('does not compile: src/kv/server.go:30:9: undefined: PutArgs');
    const staff = explainCompileErrors('kv/common.go:4:2: undefined: Foo\n', { ...ctx(), ignoredStaffCopies: [{ treePath: 'kv/common.go', displayPath: 'common.go', differs: true }] });
    expect(staff.text).toContain('kv/common.go (staff copy):4:2: undefined: Foo');
  });

  it('falls back to the first non-header line, or a fixed text', () => {
    expect(explainCompileErrors('# example.com/course/kv\nsomething odd\n', ctx()).summary).toBe('does not compile: something odd');
    expect(explainCompileErrors('', ctx()).summary).toBe('does not compile: compilation failed');
  });
});
