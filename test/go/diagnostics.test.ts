import { describe, expect, it } from 'vitest';
import { explainCompileErrors, type DiagnosticsContext } from '../../src/go/diagnostics.js';

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

  it('explains an edited staff copy (one that adds declarations) and marks staff files in the output', () => {
    const e = explainCompileErrors('# example.com/course/kv\nkv/server.go:30:9: undefined: PutArgs\n', {
      ...ctx(),
      ignoredStaffCopies: [
        { treePath: 'kv/common.go', displayPath: 'common.go', differs: true, added: ['GetArgs'], declared: ['GetArgs'] },
        { treePath: 'kv/config.go', displayPath: 'config.go', differs: true, added: [], declared: ['Config'] },
      ],
    });
    expect(e.text).toContain('* You handed in an edited copy of common.go, a staff file: the staff copy of kv/common.go was used, so what your copy adds (GetArgs) does not exist.');
    // A copy that only differs (the course's own version of the file) is no explanation of anything.
    expect(e.text).not.toContain('config.go');
    expect(e.summary).toBe('does not compile: src/kv/server.go:30:9: undefined: PutArgs');
    const staff = explainCompileErrors('kv/common.go:4:2: undefined: Foo\n', { ...ctx(), ignoredStaffCopies: [{ treePath: 'kv/common.go', displayPath: 'common.go', differs: true }] });
    expect(staff.text).toContain('kv/common.go (staff copy):4:2: undefined: Foo');
  });

  // Recorded from Go 1.26.8: `go build ./...` of a module whose bitcoin/server/server.go uses names
  // declared in files that were not part of the build.
  const BITCOIN_OUTPUT = [
    '# github.com/cmu440/bitcoin/server',
    'bitcoin/server/server.go:6:16: undefined: bitcoin.RunningStats',
    'bitcoin/server/server.go:8:31: too many arguments in call to bitcoin.NewRequest',
    '\thave (string, number)',
    '\twant (string)',
    'bitcoin/server/server.go:9:8: m.Describe undefined (type *bitcoin.Message has no field or method Describe)',
    'bitcoin/server/server.go:10:22: unknown field Extra in struct literal of type bitcoin.Message',
    'bitcoin/server/server.go:11:6: undefined: helper',
    '',
  ].join('\n');
  const bitcoin = (over: Partial<DiagnosticsContext>): DiagnosticsContext => ({
    handin: [{ treePath: 'bitcoin/server/server.go', displayPath: 'cmu440/bitcoin/server/server.go' }],
    ignoredStaffCopies: [],
    dropped: [],
    module: 'github.com/cmu440',
    allowDownloads: false,
    ...over,
  });

  it('a build error caused by a dropped helper file names that file, in the summary too (#10 item 4)', () => {
    const e = explainCompileErrors(
      BITCOIN_OUTPUT,
      bitcoin({
        dropped: [
          { displayPath: 'cmu440/bitcoin/common.go', folder: 'bitcoin', package: 'bitcoin', declared: ['RunningStats', 'RunningStats.n'] },
          { displayPath: 'cmu440/bitcoin/server/util.go', folder: 'server', package: 'main', declared: ['helper'] },
          { displayPath: 'old/lsp/common.go', folder: 'lsp', package: 'lsp', declared: ['RunningStats'] },
        ],
      }),
    );
    expect(e.summary).toBe('does not compile because cmu440/bitcoin/common.go was not graded: cmu440/bitcoin/server/server.go:6:16: undefined: bitcoin.RunningStats');
    expect(e.text).toContain(
      "* cmu440/bitcoin/server/server.go:6:16: undefined: bitcoin.RunningStats — bitcoin.RunningStats is declared in cmu440/bitcoin/common.go, which you handed in but which was not graded: it is not one of this project's handin files",
    );
    // An unqualified name is looked for in the erroring package's folder (package main of bitcoin/server).
    expect(e.text).toContain('* cmu440/bitcoin/server/server.go:11:6: undefined: helper — helper is declared in cmu440/bitcoin/server/util.go');
    expect(e.text).not.toContain('old/lsp/common.go');
  });

  it('a build error caused by an ignored edited staff copy names that copy', () => {
    const copy = {
      treePath: 'bitcoin/message.go',
      displayPath: 'cmu440/bitcoin/message.go',
      differs: true,
      added: ['Message.Describe', 'Message.Extra'],
      declared: ['Message', 'Message.Data', 'Message.Extra', 'NewRequest', 'Message.Describe'],
      package: 'bitcoin',
    };
    const e = explainCompileErrors(BITCOIN_OUTPUT, bitcoin({ ignoredStaffCopies: [copy] }));
    expect(e.summary).toBe('does not compile because your copy of cmu440/bitcoin/message.go (a staff file) was not used: cmu440/bitcoin/server/server.go:8:31: too many arguments in call to bitcoin.NewRequest');
    expect(e.text).toContain(
      '* cmu440/bitcoin/server/server.go:8:31: too many arguments in call to bitcoin.NewRequest — bitcoin.NewRequest is declared in your copy of cmu440/bitcoin/message.go, a staff file; the staff copy of bitcoin/message.go was used instead, so if you changed its signature there, your code must use the staff signature.',
    );
    // One explanation per file, and no generic "edited copy" bullet on top of it.
    expect(e.text.match(/^\* /gm)).toHaveLength(1);
    const fieldOnly = explainCompileErrors('# github.com/cmu440/bitcoin/server\nbitcoin/server/server.go:9:8: m.Describe undefined (type *bitcoin.Message has no field or method Describe)\n', bitcoin({ ignoredStaffCopies: [copy] }));
    expect(fieldOnly.text).toContain('Message.Describe is declared in your copy of cmu440/bitcoin/message.go, a staff file; the staff copy of bitcoin/message.go was used instead, which does not declare it.');
  });

  it('a missing name declared nowhere else gets no attribution', () => {
    const e = explainCompileErrors(BITCOIN_OUTPUT, bitcoin({ dropped: [{ displayPath: 'x/bitcoin/other.go', folder: 'bitcoin', package: 'bitcoin', declared: ['Other'] }] }));
    expect(e.summary).toBe('does not compile: cmu440/bitcoin/server/server.go:6:16: undefined: bitcoin.RunningStats');
    expect(e.text.startsWith('Compiler output:')).toBe(true);
  });

  it('falls back to the first non-header line, or a fixed text', () => {
    expect(explainCompileErrors('# example.com/course/kv\nsomething odd\n', ctx()).summary).toBe('does not compile: something odd');
    expect(explainCompileErrors('', ctx()).summary).toBe('does not compile: compilation failed');
  });
});
