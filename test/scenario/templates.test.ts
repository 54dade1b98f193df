import { describe, expect, it } from 'vitest';
import { expandTemplate, linkEnds, parseTemplate, type TemplateValues } from '../../src/scenario/templates.js';

const values: TemplateValues = {
  self: { name: 'c2', group: 'c', index: 2 },
  seed: '123',
  artifacts: '/tmp/a',
  portOf: (n) => ({ server: 7000, c2: 7002 })[n] ?? 0,
  linkAddr: (l) => ({ 'c2->server': '127.0.0.1:41000' })[l] ?? 'missing',
};

describe('template placeholders', () => {
  it('expands ports, addresses, proxy links, self and the run values', () => {
    expect(expandTemplate('-port {{port:server}}', values)).toBe('-port 7000');
    expect(expandTemplate('{{addr:server}}', values)).toBe('127.0.0.1:7000');
    expect(expandTemplate('{{addr:self->server}}', values)).toBe('127.0.0.1:41000');
    expect(expandTemplate('{{addr:c2->server}}', values)).toBe('127.0.0.1:41000');
    expect(expandTemplate('{{port:self->server}}', values)).toBe('41000');
    expect(expandTemplate('{{port:self}}', values)).toBe('7002');
    expect(expandTemplate('{{node}}/{{self}}/{{group}}/{{index}}', values)).toBe('c2/c2/c/2');
    expect(expandTemplate('{{host}} {{seed}} {{artifacts}}', values)).toBe('127.0.0.1 123 /tmp/a');
    expect(expandTemplate('{{ port : server }}', values)).toBe('7000');
  });

  it('leaves text without placeholders alone', () => {
    expect(expandTemplate('Put:a:b\n', values)).toBe('Put:a:b\n');
  });

  it('parses placeholders and reports bad ones precisely', () => {
    expect(parseTemplate('{{addr:c1->server}} {{seed}}').placeholders).toEqual([
      { text: '{{addr:c1->server}}', kind: 'addr', arg: 'c1->server' },
      { text: '{{seed}}', kind: 'seed' },
    ]);
    expect(parseTemplate('{{prot:server}}').errors[0]).toMatch(/unknown placeholder \{\{prot:server\}\}/);
    expect(parseTemplate('{{port}}').errors[0]).toMatch(/needs a node or link/);
    expect(parseTemplate('{{seed:1}}').errors[0]).toMatch(/takes no argument/);
    expect(parseTemplate('{{port:server').errors[0]).toMatch(/malformed placeholder/);
  });

  it('splits link names', () => {
    expect(linkEnds('a->b')).toEqual({ from: 'a', to: 'b' });
    expect(linkEnds('server')).toBeUndefined();
  });
});
