import { describe, expect, it } from 'vitest';
import { groupTests, stemOf } from '../../src/init/tests.js';

describe('grouping tests by name prefix', () => {
  it('stems drop Test and a number or _suffix', () => {
    expect(['TestBasic3', 'TestISN1', 'TestISNManyClients', 'TestPut_Overwrite', 'TestFoo_2', 'Test1'].map(stemOf)).toEqual(['Basic', 'ISN', 'ISNManyClients', 'Put', 'Foo', '']);
  });

  it('numbered groups get a pattern that matches exactly them (TestServerClose* vs TestServerCloseConns*)', () => {
    const names = ['TestBasic1', 'TestBasic2', 'TestServerClose1', 'TestServerClose2', 'TestServerCloseConns1', 'TestServerCloseConns2', 'TestISN1', 'TestISNManyClients'];
    expect(groupTests(names)).toEqual([
      { stem: 'Basic', tests: ['TestBasic1', 'TestBasic2'], pattern: '^TestBasic[0-9]+$' },
      { stem: 'ServerClose', tests: ['TestServerClose1', 'TestServerClose2'], pattern: '^TestServerClose[0-9]+$' },
      { stem: 'ServerCloseConns', tests: ['TestServerCloseConns1', 'TestServerCloseConns2'], pattern: '^TestServerCloseConns[0-9]+$' },
      { stem: 'ISN', tests: ['TestISN1'] },
      { stem: 'ISNManyClients', tests: ['TestISNManyClients'] },
    ]);
  });

  it('underscore groups get a prefix pattern; a group no pattern fits is listed by name', () => {
    expect(groupTests(['TestPut_New', 'TestPut_Overwrite'])).toEqual([{ stem: 'Put', tests: ['TestPut_New', 'TestPut_Overwrite'], pattern: '^TestPut_' }]);
    // TestBasic and TestBasic2 share a stem, but ^TestBasic[0-9]+$ misses TestBasic.
    expect(groupTests(['TestBasic', 'TestBasic2'])).toEqual([{ stem: 'Basic', tests: ['TestBasic', 'TestBasic2'] }]);
  });

  it('every pattern matches its group and nothing else of the package', () => {
    const names = ['TestA1', 'TestA2', 'TestA_x', 'TestAB1', 'TestAB2', 'TestB_1', 'TestB_2'];
    for (const g of groupTests(names)) {
      if (!g.pattern) continue;
      const re = new RegExp(g.pattern);
      expect(names.filter((n) => re.test(n))).toEqual(g.tests);
    }
  });
});
