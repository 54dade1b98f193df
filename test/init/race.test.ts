import { describe, expect, it } from 'vitest';
import { coversPackage, findRaceCommands, isScriptFile, raceFor } from '../../src/init/race.js';

const MOD = 'github.com/cmu440';

describe('findRaceCommands', () => {
  it('reads the packages and -run pattern of a go test -race line', () => {
    const cmds = findRaceCommands('Makefile', "test:\n\tgo test ./...\nrace:\n\tgo test -race -run 'Concurrent' ./counter/...\n", MOD, '');
    expect(cmds).toEqual([{ source: 'Makefile', line: 4, text: "go test -race -run 'Concurrent' ./counter/...", packages: ['counter/...'], run: 'Concurrent' }]);
  });

  it('handles chained commands, import paths, flags with values and -run=', () => {
    const text = [
      'cd src/github.com/cmu440 && go test -v -count=1 -race -timeout 10m github.com/cmu440/lsp ./lspnet',
      'go test -race -run=TestBasic ./...   # all of them',
      'go vet ./... && go test -cpu 1,2 ./lsp',
    ].join('\n');
    const cmds = findRaceCommands('run.sh', text, MOD, undefined);
    expect(cmds.map((c) => [c.packages, c.run])).toEqual([
      [['lsp', 'lspnet'], undefined],
      [['...'], 'TestBasic'],
    ]);
  });

  it('a go test -race without packages tests the folder it runs in', () => {
    expect(findRaceCommands('lsp/test.sh', 'go test -race\n', MOD, 'lsp')[0]?.packages).toEqual(['lsp']);
  });

  it('knows which files hold commands', () => {
    for (const f of ['Makefile', 'GNUmakefile', 'test.sh', 'ci.yml', 'README.md', 'rules.mk']) expect(isScriptFile(f)).toBe(true);
    for (const f of ['main.go', 'notes.txt', 'Dockerfile']) expect(isScriptFile(f)).toBe(false);
  });
});

describe('raceFor', () => {
  const [cmd] = findRaceCommands('Makefile', "go test -race -run 'Concurrent' ./counter/...\n", MOD, '');
  it('applies a command to the tests of its packages that its -run pattern matches', () => {
    expect(raceFor('counter', 'TestConcurrentAdd1', [cmd!])).toEqual({ race: true, why: "Makefile:1: go test -race -run 'Concurrent' ./counter/..." });
    expect(raceFor('counter', 'TestGet1', [cmd!]).race).toBe(false);
    expect(raceFor('other', 'TestConcurrentAdd1', [cmd!]).race).toBe(false);
    expect(coversPackage(cmd!, 'counter/sub')).toBe(true);
  });
  it('falls back on the test name', () => {
    expect(raceFor('x', 'TestNoDataRace', [])).toEqual({ race: true, why: 'its name says "race"' });
    expect(raceFor('x', 'Test_race', []).race).toBe(true);
    expect(raceFor('x', 'TestTraceback', []).race).toBe(false);
    expect(raceFor('x', 'TestBasic', []).race).toBe(false);
  });
});
