import { describe, expect, it } from 'vitest';
import { isExported, scanGoDecls } from '../../src/intake/go-decls.js';

describe('scanGoDecls', () => {
  it('reads the package clause and every top-level declaration, methods and fields as Type.Name', () => {
    const src = [
      '// Package bitcoin has the messages.',
      'package bitcoin',
      '',
      'import (',
      '\t"fmt"',
      '\t"strings" // not a declaration',
      ')',
      '',
      'type MsgType int',
      '',
      'const (',
      '\tJoin MsgType = iota',
      '\tRequest',
      '\tA, B = 1, 2',
      ')',
      '',
      'var x, y = 1, 2',
      '',
      'type Message struct {',
      '\tType         MsgType',
      '\tLower, Upper uint64 `json:"lower"`',
      '\tsync.Mutex',
      '\t*Embedded',
      '\tcb func(a, b int) (int, error)',
      '}',
      '',
      'type (',
      '\tPair struct{ K, V string }',
      '\tList[T any] struct {',
      '\t\titems []T',
      '\t}',
      ')',
      '',
      'type Server interface {',
      '\tStart(port int) error',
      '\tio.Reader',
      '}',
      '',
      'func NewRequest(data string) *Message {',
      '\ttype local struct{ hidden int }',
      '\tvar inner = "func NotTopLevel() {"',
      '\tfunc() { _ = inner }()',
      '\treturn &Message{}',
      '}',
      '',
      'func (m *Message) String() string { return fmt.Sprint(m.Type, strings.ToUpper("}")) }',
      'func (l *List[T]) Len() int { return len(l.items) }',
      'func (Pair) Swap(x interface{}) map[string]struct{} { return nil }',
      '/* func Commented() {} */',
    ].join('\n');
    expect(scanGoDecls(src)).toEqual({
      package: 'bitcoin',
      names: [
        'MsgType', 'Join', 'Request', 'A', 'B', 'x', 'y',
        'Message', 'Message.Type', 'Message.Lower', 'Message.Upper', 'Message.Mutex', 'Message.Embedded', 'Message.cb',
        'Pair', 'Pair.K', 'Pair.V', 'List', 'List.items',
        'Server', 'Server.Start', 'Server.Reader',
        'NewRequest', 'Message.String', 'List.Len', 'Pair.Swap',
      ],
    });
  });

  it('gives up quietly on text that is not Go', () => {
    expect(scanGoDecls('')).toEqual({ names: [] });
    expect(scanGoDecls('func ( { [ "unterminated\n` raw')).toEqual({ names: [] });
    expect(scanGoDecls('\u0000\u0001 package')).toEqual({ names: [] });
    // Deeply nested brackets are counted, not recursed into.
    expect(scanGoDecls(`package p\n\nvar v = ${'['.repeat(100_000)}\n\nfunc After() {}\n`).names).toEqual(['v']);
  });

  it('isExported: every part of the name starts upper case', () => {
    expect(isExported('Message.Describe')).toBe(true);
    expect(isExported('Message.describe')).toBe(false);
    expect(isExported('server.Close')).toBe(false);
    expect(isExported('NewJob')).toBe(true);
  });
});
