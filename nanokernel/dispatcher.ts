/**
 * The dispatcher: every call, event and delegation passes through here, is
 * checked against the sender's token, recorded in the audit log, and only then
 * delivered to the target's bounded mailbox.
 *
 * The hot path of an allowed call: a cached token (expiry + revocation lookups),
 * one compiled-matcher decision, one audit record, one mailbox push. No
 * signature is verified once a token is cached.
 *
 * @module
 */
import type { Action, Grant } from '../capabilities/index.js';
import { decideSubscription, patternProblem } from '../capabilities/index.js';
import type { AuditLog } from './audit-log.js';
import type { AuditEntry } from './audit-record.js';
import { denied, type DenialExplainer, type RequestFacts } from './denial.js';
import { Deliveries, type DeadLetter } from './delivery.js';
import { EndpointState, type Delivery } from './endpoint.js';
import { bodySize, ENVELOPE_VERSION, type Envelope, type IdSource } from './envelope.js';
import { KernelError, fromWire } from './errors.js';
import type { CallOptions } from './sandbox.js';
import type { VerifiedToken } from './token-claims.js';
import type { TokenService } from './tokens.js';
import { assertKey, callOptions } from './request-checks.js';
import { Subscribers } from './subscribers.js';
import { handling } from './trace.js';

export interface DispatcherOptions {
  readonly tokens: TokenService;
  readonly audit: AuditLog;
  readonly ids: IdSource;
  readonly clock: () => number;
  readonly explain?: DenialExplainer;
  readonly policyHash: () => string | undefined;
  /**
   * Extensions whose denials are recorded but let through: learning mode, to find
   * the least privilege an extension needs. Never for production.
   */
  readonly unsafeLearnMode?: ReadonlySet<string>;
}

/** The grant that lets a learning-mode request through; it names itself in the record. */
const LEARNING: Grant = Object.freeze({ effect: 'allow', action: 'call', to: '*', ops: ['*'], resources: ['*'], rule: 'learning-mode' }) as Grant;

export type { DeadLetter };
export { callOptions };

export class Dispatcher {
  readonly endpoints = new Map<string, EndpointState>();
  readonly #o: DispatcherOptions;
  readonly #deliveries: Deliveries;
  readonly #subscribers = new Subscribers();

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#deliveries = new Deliveries(options.clock);
  }

  get deadLetters(): readonly DeadLetter[] {
    return this.#deliveries.deadLetters;
  }

  /** Record a decision, stamping the policy hash and failing closed if the log is down. */
  record(entry: AuditEntry): void {
    this.#o.audit.append(entry, this.#o.policyHash());
  }

  /**
   * Decide one request for `from`, with its own token or a presented `cap`.
   * Returns the token and deciding grant; throws (after recording the denial) otherwise.
   */
  async authorize(from: EndpointState, action: Action, to: string, op: string, resource: string, cap: string | undefined, trace: string | undefined): Promise<{ token: VerifiedToken; grant: Grant }> {
    const token = cap === undefined ? from.token : await this.#presented(from, action, to, op, resource, cap, trace);
    return this.decide(from, token, action, to, op, resource, trace);
  }

  /** The synchronous part of `authorize`: fail closed, expiry, revocation, matcher. */
  decide(from: EndpointState, token: VerifiedToken, action: Action, to: string, op: string, resource: string, trace: string | undefined): { token: VerifiedToken; grant: Grant } {
    if (!this.#o.audit.healthy) throw this.#failClosed({ from: from.name, action, to, op, resource });
    try {
      this.#o.tokens.check(token);
    } catch (error) {
      const refused = fromWire(error);
      this.#deny({ from: from.name, action, to, op, resource }, null, refused.code, token.jti, trace, refused.message);
      throw refused;
    }
    const grant = token.matcher.decide(action, to, op, resource);
    if (grant === null || grant.effect !== 'allow') {
      const request: RequestFacts = { from: from.name, action, to, op, resource };
      this.#deny(request, grant, 'E_DENIED', token.jti, trace, grant?.why, this.#o.unsafeLearnMode?.has(from.name));
      if (this.#o.unsafeLearnMode?.has(from.name)) return { token, grant: LEARNING };
      throw denied(request, grant, this.#o.explain);
    }
    return { token, grant };
  }

  /** Verify a presented token (cached after the first time) and that it was issued to the sender. */
  async #presented(from: EndpointState, action: Action, to: string, op: string, resource: string, cap: string, trace: string | undefined): Promise<VerifiedToken> {
    try {
      return await this.#o.tokens.verify(cap, from.name);
    } catch (error) {
      const refused = fromWire(error);
      this.#deny({ from: from.name, action, to, op, resource }, null, refused.code, from.token.jti, trace, refused.message);
      throw refused;
    }
  }

  #deny(request: RequestFacts, grant: Grant | null, code: string, jti: string, trace: string | undefined, why: string | undefined, learning = false): void {
    this.record({
      ...(learning ? { detail: { learning: 'recorded as denied, let through' } } : {}),
      actor: request.from,
      action: request.action,
      verdict: 'deny',
      target: request.to,
      op: request.op,
      resource: request.resource,
      rule: grant?.rule ?? null,
      ...(why ? { why } : {}),
      code,
      ...(trace ? { trace_id: trace } : {}),
      token_jti: jti,
    });
  }

  #failClosed(request: RequestFacts): KernelError {
    return new KernelError('E_DENIED', `refused "${request.from}" ${request.action} ${request.to}: the audit log cannot be written, and nothing is granted unrecorded`, {
      facts: { ...request, reason: 'audit unavailable', detail: this.#o.audit.failure?.message ?? 'closed' },
      hint: 'free disk space or fix the audit directory, then restart the kernel',
    });
  }

  /** Request/reply: resolves with the target's reply body or rejects with a coded error. */
  async call(from: EndpointState, to: string, op: string, resource: string, body: unknown, options: CallOptions = {}): Promise<unknown> {
    options = callOptions(options);
    assertKey('to', to, false);
    assertKey('op', op, false);
    assertKey('resource', resource, true);
    const now = this.#o.clock();
    const parent = handling() ?? from.current;
    const trace = parent?.trace_id ?? this.#o.ids.trace();
    this.#guardSender(from, now, body, { action: 'call', to, op, resource }, trace);
    const started = performance.now();
    const { token, grant } =
      options.cap === undefined
        ? this.decide(from, from.token, 'call', to, op, resource, trace)
        : await this.authorize(from, 'call', to, op, resource, options.cap, trace);
    const latencyUs = Math.round((performance.now() - started) * 100_000) / 100;
    const target = this.endpoints.get(to);
    const refusal = target === undefined || target.closed ? 'E_NO_TARGET' : target.full ? 'E_OVERLOADED' : undefined;
    const envelopeId = this.#o.ids.next();
    this.record({
      actor: from.name,
      action: 'call',
      verdict: refusal ? 'deny' : 'allow',
      target: to,
      op,
      resource,
      rule: grant.rule ?? null,
      ...(refusal ? { code: refusal } : {}),
      trace_id: trace,
      envelope_id: envelopeId,
      ...(parent ? { causation_id: parent.id } : {}),
      token_jti: token.jti,
      latency_us: latencyUs,
    });
    if (refusal === 'E_NO_TARGET') {
      throw new KernelError('E_NO_TARGET', `no extension named "${to}" is running`, { facts: { from: from.name, to, op }, hint: 'check the extension id, or whether it is still starting or was stopped' });
    }
    if (refusal === 'E_OVERLOADED') {
      this.#deliveries.deadLetter({ id: envelopeId, kind: 'call', from: from.name, to, op }, 'E_OVERLOADED');
      throw new KernelError('E_OVERLOADED', `the mailbox of "${to}" is full (${target!.capacity} messages)`, { facts: { from: from.name, to, op, capacity: target!.capacity }, hint: 'retry later with backoff, or raise the mailbox capacity' });
    }
    const timeoutMs = Math.min(options.timeoutMs ?? target!.timeoutMs, parent?.deadline !== undefined ? Math.max(0, parent.deadline - now) : Infinity);
    const envelope: Envelope = {
      v: ENVELOPE_VERSION,
      id: envelopeId,
      kind: 'call',
      from: from.name,
      to,
      op,
      resource,
      ts: now,
      trace_id: trace,
      span_id: this.#o.ids.next(),
      causation_id: parent?.id,
      deadline: now + timeoutMs,
      cap: target!.forwardsTokens ? (options.cap ?? from.tokenText) : options.cap,
      body,
    };
    return new Promise((resolve, reject) => {
      const delivery: Delivery = { envelope, resolve, reject, timer: undefined, settled: false };
      delivery.timer = setTimeout(() => this.#deliveries.expire(target!, delivery, timeoutMs), timeoutMs);
      this.#deliveries.enqueue(target!, delivery);
    });
  }

  /** Publish an event to every subscriber whose grants cover the topic. Returns how many got it. */
  async publish(from: EndpointState, topic: string, body: unknown): Promise<number> {
    assertKey('to', topic, false);
    const now = this.#o.clock();
    const parent = handling() ?? from.current;
    const trace = parent?.trace_id ?? this.#o.ids.trace();
    this.#guardSender(from, now, body, { action: 'publish', to: topic, op: '', resource: '' }, trace);
    const { token, grant } = this.decide(from, from.token, 'publish', topic, '', '', trace);
    const envelope: Envelope = { v: ENVELOPE_VERSION, id: this.#o.ids.next(), kind: 'event', from: from.name, to: topic, op: '', resource: '', ts: now, trace_id: trace, span_id: this.#o.ids.next(), causation_id: parent?.id, body };
    let delivered = 0;
    for (const subscriber of this.#subscribers.matching(topic)) {
      if (!this.#mayReceive(subscriber, topic, trace)) continue;
      if (subscriber.full) {
        this.#deliveries.deadLetter(envelope, 'E_OVERLOADED', subscriber.name);
        continue;
      }
      const forwarded = subscriber.forwardsTokens ? { ...envelope, cap: from.tokenText } : envelope;
      this.#deliveries.enqueue(subscriber, { envelope: forwarded, resolve: undefined, reject: undefined, timer: undefined, settled: false });
      delivered++;
    }
    this.record({ actor: from.name, action: 'publish', verdict: 'allow', target: topic, rule: grant.rule ?? null, trace_id: trace, envelope_id: envelope.id, ...(parent ? { causation_id: parent.id } : {}), token_jti: token.jti, detail: { delivered } });
    return delivered;
  }

  /** Subscribe `from` to a topic pattern; allowed only if an allow grant contains the whole pattern. */
  subscribe(from: EndpointState, pattern: string): void {
    const problem = typeof pattern === 'string' ? patternProblem(pattern) : 'a topic pattern is a string';
    if (problem !== undefined) throw new KernelError('E_BAD_ENVELOPE', `subscribe: ${problem}`, { facts: { field: 'topic' } });
    const request: RequestFacts = { from: from.name, action: 'subscribe', to: pattern, op: '', resource: '' };
    if (!this.#o.audit.healthy) throw this.#failClosed(request);
    const token = from.token;
    try {
      this.#o.tokens.check(token);
    } catch (error) {
      const refused = fromWire(error);
      this.#deny(request, null, refused.code, token.jti, undefined, undefined);
      throw refused;
    }
    // A deny inside the pattern is enforced per event (#mayReceive); one containing the pattern refuses it here.
    const { verdict, grant } = decideSubscription(token.grants, pattern);
    if (verdict === 'deny') {
      this.#deny(request, grant, 'E_DENIED', token.jti, undefined, grant?.why);
      throw denied(request, grant, this.#o.explain);
    }
    this.record({ actor: from.name, action: 'subscribe', verdict: 'allow', target: pattern, rule: grant!.rule ?? null, token_jti: token.jti });
    this.#subscribers.add(from, pattern);
  }

  register(endpoint: EndpointState): void {
    this.endpoints.set(endpoint.name, endpoint);
  }

  /** Remove an endpoint: its queued messages fail with `E_NO_TARGET` and go to the dead letters. */
  unregister(endpoint: EndpointState, code: 'E_NO_TARGET' | 'E_TARGET_CRASHED' = 'E_NO_TARGET'): void {
    endpoint.closed = true;
    if (this.endpoints.get(endpoint.name) === endpoint) this.endpoints.delete(endpoint.name);
    this.#subscribers.remove(endpoint);
    for (const delivery of endpoint.mailbox.drain()) {
      this.#deliveries.settle(delivery, new KernelError(code, `"${endpoint.name}" stopped before the message was delivered`, { facts: { to: endpoint.name, op: delivery.envelope.op } }));
      this.#deliveries.deadLetter(delivery.envelope, code);
    }
  }

  /** Wait until every mailbox is empty and nothing is being handled (or `timeoutMs` passes). */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      let busy = false;
      for (const endpoint of this.endpoints.values()) if (endpoint.running > 0 || endpoint.mailbox.length > 0) busy = true;
      if (!busy) return true;
      if (Date.now() >= until) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  #guardSender(from: EndpointState, now: number, body: unknown, request: Omit<RequestFacts, 'from'>, trace: string): void {
    if (from.closed) throw new KernelError('E_NO_TARGET', `"${from.name}" is stopped and cannot send`, { facts: { from: from.name } });
    if (!from.rate.take(now)) {
      this.#deny({ from: from.name, ...request }, null, 'E_OVERLOADED', from.token.jti, trace, 'rate limit');
      throw new KernelError('E_OVERLOADED', `"${from.name}" exceeded its rate limit of ${from.rate.perSecond} messages per second`, { facts: { from: from.name, limit: from.rate.perSecond }, hint: 'slow down, or raise host.maxCallsPerSecond in the policy' });
    }
    const size = bodySize(body, from.maxBodyBytes);
    if (size > from.maxBodyBytes) {
      this.#deny({ from: from.name, ...request }, null, 'E_TOO_LARGE', from.token.jti, trace, undefined);
      throw new KernelError('E_TOO_LARGE', `the body from "${from.name}" exceeds ${from.maxBodyBytes} bytes`, { facts: { from: from.name, limit: from.maxBodyBytes }, hint: 'send a reference (e.g. a stored blob) instead, or raise host.maxBodyBytes in the policy' });
    }
  }

  #mayReceive(subscriber: EndpointState, topic: string, trace: string): boolean {
    try {
      this.#o.tokens.check(subscriber.token);
    } catch (error) {
      this.#deny({ from: subscriber.name, action: 'subscribe', to: topic, op: '', resource: '' }, null, fromWire(error).code, subscriber.token.jti, trace, undefined);
      return false;
    }
    const grant = subscriber.token.matcher.decide('subscribe', topic, '', '');
    if (grant?.effect === 'allow') return true;
    this.#deny({ from: subscriber.name, action: 'subscribe', to: topic, op: '', resource: '' }, grant, 'E_DENIED', subscriber.token.jti, trace, grant?.why);
    return false;
  }
}
