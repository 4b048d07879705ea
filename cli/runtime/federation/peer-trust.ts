/**
 * What a policy's `peers:` entry means to the kernel: the keys to verify the
 * peer's tokens with, the grants its extensions get here, and what it offers
 * (its extensions and forwarded topics).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { KernelError, type ForeignTrust } from '../../../nanokernel/index.js';
import type { CompiledPeer } from '../../../policies/index.js';

/** Read a peer's JWKS (a file the policy names, or inline). */
export function peerKeys(peer: CompiledPeer): ForeignTrust['jwks'] {
  if (typeof peer.jwks !== 'string') return peer.jwks as ForeignTrust['jwks'];
  try {
    return JSON.parse(readFileSync(peer.jwks, 'utf8')) as ForeignTrust['jwks'];
  } catch (cause) {
    throw new KernelError('E_POLICY_INVALID', `the keys of peer "${peer.id}" cannot be read from ${peer.jwks}`, { cause, facts: { peer: peer.id, file: peer.jwks }, hint: `write the output of "nanokernel keys jwks" on kernel ${peer.id} to that file` });
  }
}

/** The trust the kernel gives `peer`: its keys (read now), its grants, its revocation grace. */
export function trustOf(peer: CompiledPeer): ForeignTrust {
  return { jwks: peerKeys(peer), grants: peer.grants, graceMs: peer.revocationGraceMs };
}

/** What `peer` offers here, as one comparable string. */
export const offers = (peer: CompiledPeer): string => JSON.stringify([peer.extensions, peer.topics]);
