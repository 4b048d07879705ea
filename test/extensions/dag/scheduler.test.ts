/**
 * The pure parts of the tracker: scheduling, cycles, backoff and retry
 * classification, the state machine and log replay, conditions, task grants,
 * and the mirrored pool contract.
 */
import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetryable } from '../../../extensions/dag/backoff.js';
import { jsonEqual, valueAtPath } from '../../../extensions/dag/conditions.js';
import * as mirror from '../../../extensions/dag/pool-contract.js';
import { taskGrants } from '../../../extensions/dag/runner.js';
import { schedule } from '../../../extensions/dag/scheduler.js';
import { applyEntry, canMove, newRun, rewindInFlight, type LogEntry, type NodeState } from '../../../extensions/dag/state.js';
import { findCycles, parseWorkflow, topologicalOrder } from '../../../extensions/dag/workflow/index.js';
import * as pool from '../../../extensions/pool/protocol.js';

const plan = (yaml: string) => parseWorkflow(`version: 1\nname: t\nnodes:\n${yaml}`).plan;
const states = (s: Record<string, NodeState>) => Object.fromEntries(Object.entries(s).map(([id, state]) => [id, { state }]));

const DIAMOND = plan('  a: { use: x }\n  b: { use: x, needs: [a] }\n  c: { use: x, needs: [a] }\n  d: { use: x, needs: [b, c] }\n');

describe('schedule', () => {
  it('starts roots, then parallel branches up to maxConcurrency, then the join', () => {
    expect(schedule(DIAMOND, states({ a: 'pending', b: 'pending', c: 'pending', d: 'pending' }), 4)).toEqual({ start: ['a'], skip: [], cancel: [] });
    expect(schedule(DIAMOND, states({ a: 'succeeded', b: 'pending', c: 'pending', d: 'pending' }), 4).start).toEqual(['b', 'c']);
    expect(schedule(DIAMOND, states({ a: 'succeeded', b: 'pending', c: 'pending', d: 'pending' }), 1).start).toEqual(['b']);
    expect(schedule(DIAMOND, states({ a: 'succeeded', b: 'running', c: 'pending', d: 'pending' }), 1).start).toEqual([]);
    expect(schedule(DIAMOND, states({ a: 'succeeded', b: 'retrying', c: 'succeeded', d: 'pending' }), 4).start).toEqual([]);
    expect(schedule(DIAMOND, states({ a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'pending' }), 4).start).toEqual(['d']);
    expect(schedule(DIAMOND, states({ a: 'succeeded', b: 'succeeded', c: 'succeeded', d: 'succeeded' }), 4)).toEqual({ start: [], skip: [], cancel: [], finished: { state: 'succeeded' } });
  });

  it('propagates a skip to dependents, and a run of skips still succeeds', () => {
    expect(schedule(DIAMOND, states({ a: 'succeeded', b: 'skipped', c: 'succeeded', d: 'pending' }), 4).skip).toEqual([{ id: 'd', reason: 'its dependency "b" was skipped' }]);
    expect(schedule(DIAMOND, states({ a: 'skipped', b: 'skipped', c: 'skipped', d: 'skipped' }), 4).finished).toEqual({ state: 'succeeded' });
  });

  it('after a failure starts nothing, waits for in-flight nodes, then fails and cancels the rest', () => {
    expect(schedule(DIAMOND, states({ a: 'succeeded', b: 'failed', c: 'running', d: 'pending' }), 4)).toEqual({ start: [], skip: [], cancel: [] });
    expect(schedule(DIAMOND, states({ a: 'succeeded', b: 'failed', c: 'succeeded', d: 'pending' }), 4)).toEqual({ start: [], skip: [], cancel: ['d'], finished: { state: 'failed', reason: 'node "b" failed' } });
  });

  it('runs a fallback when its node enters fallback, and its success satisfies dependents', () => {
    const p = plan('  a: { use: x, fallback: f, output: a.txt }\n  f: { use: y }\n  b: { use: x, inputs: { i: { from: a } } }\n');
    expect(schedule(p, states({ a: 'pending', f: 'pending', b: 'pending' }), 4).start).toEqual(['a']);
    expect(schedule(p, states({ a: 'fallback', f: 'pending', b: 'pending' }), 4).start).toEqual(['f']);
    expect(schedule(p, states({ a: 'fallback', f: 'running', b: 'pending' }), 4).start).toEqual([]);
    expect(schedule(p, states({ a: 'fallback', f: 'succeeded', b: 'pending' }), 4).start).toEqual(['b']);
    expect(schedule(p, states({ a: 'succeeded', f: 'pending', b: 'succeeded' }), 4)).toEqual({ start: [], skip: [{ id: 'f', reason: 'fallback not needed' }], cancel: [], finished: { state: 'succeeded' } });
  });
});

describe('cycles and order', () => {
  it('names each cycle once, from its earliest node', () => {
    const deps = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['d']], ['e', []]]);
    expect(findCycles(['a', 'b', 'c', 'd', 'e'], deps)).toEqual([['a', 'b', 'c', 'a'], ['d', 'd']]);
    expect(topologicalOrder(['a', 'b'], new Map([['a', ['b']], ['b', []]]))).toEqual(['b', 'a']);
    expect(topologicalOrder(['a', 'b'], new Map([['a', ['b']], ['b', ['a']]]))).toBeUndefined();
  });
});

describe('backoff', () => {
  const policy = { baseMs: 100, factor: 2, maxMs: 1_000, jitter: 0 };
  it('grows exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, () => 0.5))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('jitter takes a random fraction of the delay, within bounds', () => {
    const jittery = { ...policy, jitter: 0.5 };
    expect(backoffDelay(3, jittery, () => 0)).toBe(200);
    expect(backoffDelay(3, jittery, () => 0.999999)).toBe(400);
    expect(backoffDelay(3, { ...policy, jitter: 1 }, () => 0.25)).toBe(100);
  });
  it('retries transient failures only', () => {
    expect(['E_TIMEOUT', 'E_TARGET_CRASHED', 'E_OVERLOADED', 'E_NO_TARGET'].map(isRetryable)).toEqual([true, true, true, true]);
    expect(['E_DENIED', 'E_BAD_ENVELOPE', 'E_NOT_SUBSET', 'E_TOKEN_REVOKED'].map(isRetryable)).toEqual([false, false, false, false]);
  });
});

describe('state and replay', () => {
  const entry = (seq: number, nodeId: string, state: NodeState, attempt: number, extra: Partial<LogEntry> = {}): LogEntry => ({ type: 'node', seq, at: 1_000 + seq, runId: 'r', nodeId, state, attempt, ...extra }) as LogEntry;

  it('allows only the documented transitions', () => {
    expect(canMove('pending', 'running')).toBe(true);
    expect(canMove('running', 'retrying')).toBe(true);
    expect(canMove('retrying', 'running')).toBe(true);
    expect(canMove('running', 'fallback')).toBe(true);
    expect(canMove('succeeded', 'running')).toBe(false);
    expect(canMove('pending', 'succeeded')).toBe(false);
    expect(canMove('skipped', 'pending')).toBe(false);
  });

  it('folds a log into the view; in-flight nodes rewind to pending, finished ones stay', () => {
    const run = newRun('r', ['a', 'b', 'c'], 1_000);
    const log: LogEntry[] = [
      { type: 'run', seq: 0, at: 1_000, runId: 'r', state: 'started', workflow: 'text', name: 'n' },
      entry(1, 'a', 'running', 1),
      entry(2, 'a', 'succeeded', 1, { result: { words: 3 } }),
      entry(3, 'b', 'running', 1),
      entry(4, 'b', 'retrying', 1),
      entry(5, 'b', 'running', 2),
    ];
    for (const e of log) applyEntry(run, e);
    expect(run.nextSeq).toBe(6);
    expect(run.updatedAt).toBe(1_005);
    expect(run.workflow).toBe('text');
    expect(run.nodes.a).toMatchObject({ state: 'succeeded', attempt: 1, result: { words: 3 } });
    expect(rewindInFlight(run)).toEqual(['b']);
    expect(run.nodes.b).toMatchObject({ state: 'pending', attempt: 2 });
    expect(run.nodes.c!.state).toBe('pending');
    applyEntry(run, { type: 'run', seq: 6, at: 2_000, runId: 'r', state: 'failed', reason: 'stale' });
    expect(run).toMatchObject({ state: 'failed', reason: 'stale' });
  });
});

describe('conditions, grants, contracts', () => {
  it('reads dotted paths and compares JSON structurally', () => {
    expect(valueAtPath({ a: { b: [1, { c: 'x' }] } }, 'a.b.1.c')).toBe('x');
    expect(valueAtPath({ a: 1 }, 'a.b')).toBeUndefined();
    expect(valueAtPath({ a: 1 }, undefined)).toEqual({ a: 1 });
    expect(jsonEqual({ a: [1, 2], b: null }, { b: null, a: [1, 2] })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
  });

  it('delegates get on the inputs and put on the output, nothing else', () => {
    expect(taskGrants('artifacts', ['in/a', 'in/b', 'in/a'], 'out/c')).toEqual([
      { action: 'call', to: 'artifacts', ops: ['get'], resources: ['in/a', 'in/b'] },
      { action: 'call', to: 'artifacts', ops: ['put'], resources: ['out/c'] },
    ]);
    expect(taskGrants('artifacts', [], undefined)).toEqual([]);
  });

  it('the mirrored pool replies accept and refuse what the pool protocol does', () => {
    const samples = [{ leaseId: 'l', instrument: 'i', expiresAt: 5 }, { queued: 't', position: 1 }, { queued: 't', position: 0 }, { leaseId: 'l' }, { released: true }, { released: 'yes' }];
    for (const sample of samples) {
      expect(mirror.LeaseReply.safeParse(sample).success).toBe(pool.LeaseReply.safeParse(sample).success);
      expect(mirror.ClaimReply.safeParse(sample).success).toBe(pool.ClaimReply.safeParse(sample).success);
      expect(mirror.ReleaseReply.safeParse(sample).success).toBe(pool.ReleaseReply.safeParse(sample).success);
    }
  });
});
