/**
 * Pool leases around a node (extensions/pool/protocol.ts): `lease` with the
 * instrument as resource; a `{ queued: ticket }` answer is `claim`ed with
 * backoff until granted or the node's deadline passes; `release` after.
 *
 * @module
 */
import { KernelError, type KernelApi } from '../sdk/worker/index.js';
import { ClaimReply, LeaseReply, ReleaseReply } from './pool-contract.js';
import { checkReply, codeOf } from './artifacts.js';
import { sleep } from './timing.js';

export interface Held {
  readonly leaseId: string;
  readonly instrument: string;
}

const CLAIM_FIRST_MS = 25;
const CLAIM_MAX_MS = 500;

/**
 * Take a slot of `instrument` for `holder`, waiting in the pool's queue until
 * `deadline` (epoch ms). Fails with `E_TIMEOUT` if no slot came in time.
 *
 * @example
 * const held = await acquireLease(api, 'pool', 'wordcount', 'run-1/count', 30_000, Date.now() + 5_000);
 * try { ... } finally { await releaseLease(api, 'pool', held); }
 */
export async function acquireLease(api: KernelApi, pool: string, instrument: string, holder: string, ttlMs: number, deadline: number): Promise<Held> {
  const remaining = () => deadline - Date.now();
  let reply = checkReply(LeaseReply, await api.call(pool, 'lease', instrument, { holder, ttlMs }, { timeoutMs: Math.max(1, remaining()) }), `${pool} lease`);
  let wait = CLAIM_FIRST_MS;
  while ('queued' in reply) {
    if (remaining() <= wait) {
      throw new KernelError('E_TIMEOUT', `no slot of "${instrument}" became free before the node's deadline (queue position ${reply.position})`, {
        facts: { instrument, position: reply.position },
        hint: 'raise the node\'s timeoutMs, or give the instrument more slots in the pool\'s data',
      });
    }
    await sleep(wait);
    wait = Math.min(CLAIM_MAX_MS, wait * 2);
    reply = checkReply(ClaimReply, await api.call(pool, 'claim', instrument, { ticket: reply.queued }, { timeoutMs: Math.max(1, remaining()) }), `${pool} claim`);
  }
  return { leaseId: reply.leaseId, instrument: reply.instrument };
}

/** Give the slot back; a failure is logged (the pool's ttl reclaims it anyway). */
export async function releaseLease(api: KernelApi, pool: string, held: Held): Promise<void> {
  try {
    checkReply(ReleaseReply, await api.call(pool, 'release', held.instrument, { leaseId: held.leaseId }), `${pool} release`);
  } catch (error) {
    api.log('warn', 'dag: lease release failed; the pool reclaims it when its ttl ends', { instrument: held.instrument, code: codeOf(error) });
  }
}
