/**
 * Requests from principals of other kernels: an envelope that arrived from a
 * peer kernel, carrying its sender's token in `cap`, decided here exactly like
 * a local request plus one more bound.
 *
 * Both must allow: the token (verified against its issuing kernel's pinned
 * keys, not expired, not revoked by that kernel, its revocations fresh) and the
 * grants this kernel gives that issuer. The sender is named `<sub>@<issuer>`
 * (no extension id contains `@`, so it never collides with a local one). The
 * request then goes through the dispatcher as a call or publish by that
 * principal, inheriting the envelope's trace, causation and deadline. Every
 * refusal is recorded.
 *
 * @module
 */
import type { Action, Grant } from '../capabilities/index.js';
import type { Dispatcher } from './dispatcher.js';
import { EndpointState, type EndpointOptions } from './endpoint.js';
import { parseEnvelope } from './envelope.js';
import { KernelError, fromWire } from './errors.js';
import type { ForeignIssuers } from './foreign.js';
import type { VerifiedToken } from './token-claims.js';
import { runHandling } from './trace.js';

export interface ForeignCallsOptions {
  readonly dispatcher: Dispatcher;
  readonly issuers: ForeignIssuers;
  readonly defaults: Required<EndpointOptions>;
  readonly clock: () => number;
}

/** Most remote principals kept (each holds a rate limit); the oldest are dropped past it. */
const MAX_PRINCIPALS = 1_000;

const refusedHandler = (): never => {
  throw new KernelError('E_NO_TARGET', 'a remote principal cannot be called directly');
};

export class ForeignCalls {
  readonly #o: ForeignCallsOptions;
  readonly #principals = new Map<string, EndpointState>();

  constructor(options: ForeignCallsOptions) {
    this.#o = options;
  }

  /** Decide and deliver one envelope from a peer kernel; resolves with the reply body (calls) or the number of subscribers reached (events). */
  async accept(input: unknown): Promise<unknown> {
    const envelope = parseEnvelope(input);
    if (envelope.kind !== 'call' && envelope.kind !== 'event') {
      throw new KernelError('E_BAD_ENVELOPE', `only calls and events cross kernels; got a "${envelope.kind}"`, { facts: { field: 'kind' } });
    }
    const action: Action = envelope.kind === 'call' ? 'call' : 'publish';
    const op = action === 'call' ? envelope.op : '';
    const resource = action === 'call' ? envelope.resource : '';
    const cap = envelope.cap;
    const claimed = cap === undefined ? undefined : this.#o.issuers.claimedIssuer(cap);
    const from = `${envelope.from}@${claimed ?? 'unknown'}`;
    const refuse = (error: KernelError, grant: Grant | null, jti: string | undefined): never => {
      this.#o.dispatcher.record({
        actor: from,
        action,
        verdict: 'deny',
        target: envelope.to,
        ...(action === 'call' ? { op, resource } : {}),
        rule: grant?.rule ?? null,
        ...(grant?.why ? { why: grant.why } : { why: error.message.slice(0, 300) }),
        code: error.code,
        trace_id: envelope.trace_id,
        envelope_id: envelope.id,
        ...(jti ? { token_jti: jti } : {}),
        detail: { remote: true, issuer: claimed ?? null },
      });
      throw error;
    };
    if (cap === undefined) {
      refuse(new KernelError('E_TOKEN_INVALID', `a request from another kernel must carry its sender's token; "${from}" sent none`, { facts: { from }, hint: 'send remote requests through a federation proxy, which attaches the caller\'s token' }), null, undefined);
    }
    let token: VerifiedToken;
    try {
      token = await this.#o.issuers.verify(cap!, envelope.from);
    } catch (error) {
      return refuse(fromWire(error), null, undefined);
    }
    const grant = this.#o.issuers.bound(token.issuer).decide(action, envelope.to, op, resource);
    if (grant === null || grant.effect !== 'allow') {
      const what = action === 'call' ? `call ${envelope.to}.${op}${resource ? ` on "${resource}"` : ''}` : `publish ${envelope.to}`;
      refuse(
        new KernelError('E_DENIED', `"${from}" may not ${what}: ${grant ? `denied by rule ${grant.rule ?? '(unnamed)'}` : `no rule under peers.${token.issuer} allows it`}`, {
          facts: { from, action, to: envelope.to, op, resource, rule: grant?.rule ?? null, issuer: token.issuer },
          hint: grant ? 'a deny rule for this peer decided; remove or narrow it in this kernel\'s policy' : `add an allow rule under peers.${token.issuer}.allow in this kernel's policy`,
        }),
        grant,
        token.jti,
      );
    }
    if (action === 'call' && this.#o.dispatcher.endpoints.get(envelope.to)?.forwardsTokens) {
      refuse(new KernelError('E_NO_TARGET', `"${envelope.to}" is not an extension of this kernel; requests are not relayed through a third kernel`, { facts: { from, to: envelope.to }, hint: 'call the kernel that runs it directly' }), null, token.jti);
    }
    const principal = this.#principal(from, token, cap!);
    return runHandling(envelope, () =>
      action === 'call'
        ? this.#o.dispatcher.call(principal, envelope.to, envelope.op, envelope.resource, envelope.body)
        : this.#o.dispatcher.publish(principal, envelope.to, envelope.body),
    );
  }

  /** The sending state of a remote principal (its own rate limit), holding the token just verified. */
  #principal(name: string, token: VerifiedToken, text: string): EndpointState {
    let state = this.#principals.get(name);
    if (state === undefined) {
      if (this.#principals.size >= MAX_PRINCIPALS) this.#principals.delete(this.#principals.keys().next().value!);
      state = new EndpointState(name, token, refusedHandler, this.#o.defaults, this.#o.clock());
      this.#principals.set(name, state);
    }
    // The dispatcher decides synchronously on entry, so the token set here is the one it checks.
    state.token = token;
    state.tokenText = text;
    return state;
  }
}

