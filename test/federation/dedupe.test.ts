/**
 * The receiving side's at-most-once guard (no NATS needed): a repeated envelope
 * gets the first outcome without running again, until its window ends; the
 * table stays bounded.
 */
import { describe, expect, it } from 'vitest';
import { Dedupe } from '../../cli/runtime/federation/dedupe.js';

describe('Dedupe', () => {
  it('runs an envelope once; a repeat in its window gets the same outcome, a failure included', async () => {
    const dedupe = new Dedupe(100, 1_000);
    let runs = 0;
    const work = async () => ++runs;
    expect(await dedupe.run('e1', 5_000, 0, work)).toBe(1);
    expect(await dedupe.run('e1', 5_000, 5_999, work)).toBe(1);
    expect(dedupe.hits).toBe(1);
    const failing = dedupe.run('e2', 5_000, 0, async () => Promise.reject(new Error('refused')));
    await expect(failing).rejects.toThrow('refused');
    await expect(dedupe.run('e2', 5_000, 10, work)).rejects.toThrow('refused');
    expect(runs).toBe(1);
  });

  it('runs it again once the window (deadline + margin) is over', async () => {
    const dedupe = new Dedupe(100, 1_000);
    let runs = 0;
    await dedupe.run('e1', 5_000, 0, async () => ++runs);
    expect(await dedupe.run('e1', 5_000, 6_000, async () => ++runs)).toBe(2);
  });

  it('stays bounded: expired entries go first, then the oldest live ones', async () => {
    const dedupe = new Dedupe(10, 100);
    for (let i = 0; i < 10; i++) await dedupe.run(`old-${i}`, i, i, async () => i);
    expect(dedupe.size).toBe(10);
    // At t=1,000 all ten have expired: the next arrival clears them.
    await dedupe.run('new-0', 2_000, 1_000, async () => 0);
    expect(dedupe.size).toBe(1);
    for (let i = 1; i < 25; i++) await dedupe.run(`new-${i}`, 2_000, 1_000, async () => i);
    expect(dedupe.size).toBe(10);
    // The oldest live ones were dropped: new-0 runs again, new-24 does not.
    let again = 0;
    await dedupe.run('new-0', 2_000, 1_000, async () => ++again);
    await dedupe.run('new-24', 2_000, 1_000, async () => ++again);
    expect(again).toBe(1);
  });
});
