/**
 * The table resolvers' choice (pure) and their data validation.
 */
import { describe, expect, it } from 'vitest';
import { lowest, tableData } from '../../../extensions/arbitration/resolvers/lowest.js';

describe('table resolvers', () => {
  const costs = new Map(Object.entries({ wordcount: 1, relay: 3, fast: 1 }));

  it('pick the lowest known value among the candidates; equal values go to the lexically first', () => {
    expect(lowest(costs, ['relay', 'wordcount'])).toEqual({ candidate: 'wordcount', value: 1 });
    expect(lowest(costs, ['wordcount', 'fast'])).toEqual({ candidate: 'fast', value: 1 });
    expect(lowest(costs, ['relay', 'unknown'])).toEqual({ candidate: 'relay', value: 3 });
  });

  it('stay silent when no candidate is in the table', () => {
    expect(lowest(costs, ['a', 'b'])).toBeUndefined();
  });

  it('validate their data table', () => {
    expect(tableData('costs').parse({ costs: { wordcount: 1 } })).toEqual({ costs: { wordcount: 1 }, priority: 0, engine: 'arbitration' });
    expect(tableData('costs').safeParse({ costs: { wordcount: -1 } }).success).toBe(false);
    expect(tableData('latencies').safeParse({ costs: { wordcount: 1 } }).success).toBe(false);
  });
});
