/**
 * The federation link: joins a kernel to NATS and to the peer kernels its
 * policy names. It is an adapter outside the trusted core: the kernel decides
 * (local grants on the way out, the caller's token and the peer's grants on the
 * way in, revocations and their freshness); the link only carries envelopes.
 *
 * - Out: one proxy endpoint per remote extension, named as that extension, so
 *   local callers' grants apply as usual. Its handler sends the envelope (with
 *   the caller's token) by request/reply to the peer, within the call's
 *   deadline; while NATS is down it waits for the reconnect and retries the
 *   same envelope (the peer answers a repeat from its de-duplication cache).
 * - In: envelopes from peers go to `kernel.peers.accept`, at most once per envelope id.
 * - Reload: `applyPolicy` re-reads the peers of a reloaded policy: a removed peer is
 *   distrusted at once, a changed one re-trusted with its new keys and grants.
 * - Revocations: a signed list on every revocation and every `heartbeatMs`;
 *   peers' lists are applied as they arrive, and asked for on joining.
 *
 * @module
 */
import { connect, errors, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { KernelError, fromWire, parseEnvelope, type Envelope, type Kernel } from '../../../nanokernel/index.js';
import type { CompiledPeer, CompiledPolicy } from '../../../policies/index.js';
import { Dedupe } from './dedupe.js';
import { LinkStatus } from './link-status.js';
import { offers, peerKeys, trustOf } from './peer-trust.js';
import { decode, encode, errorReply, okReply, readReply, subjects } from './wire.js';

export interface FederationOptions {
  readonly kernel: Kernel;
  readonly policy: CompiledPolicy;
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | readonly string[];
  /** Milliseconds between reconnect attempts (default 250; tests use 100). */
  readonly reconnectTimeWait?: number;
  /** Milliseconds between revocation-list heartbeats (default 250; keep well under every peer's grace). */
  readonly heartbeatMs?: number;
  /** Deadline of a forwarded call whose envelope has none (default 5000). */
  readonly defaultTimeoutMs?: number;
  readonly logger?: Logger;
}

interface PeerLink {
  /** What the peer offers here, as linked (`offers`): its proxies are rebuilt only when this changes. */
  readonly offers: string;
  readonly revocations: Subscription;
  readonly proxies: string[];
}

/**
 * @example
 * const federation = await Federation.join({ kernel: host.kernel, policy: host.policy, servers: 'nats://127.0.0.1:4222' });
 * await operator.call('compiler', 'build', '', {}); // a proxy: runs on the peer that offers "compiler"
 * await federation.leave();
 */
export class Federation {
  readonly #o: FederationOptions;
  readonly #nc: NatsConnection;
  readonly #dedupe = new Dedupe();
  readonly #status = new LinkStatus();
  /** Each trusted peer as linked: what the policy said, its revocation subscription, its proxies. */
  readonly #links = new Map<string, PeerLink>();
  #policy: CompiledPolicy;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #unsubscribeRevocations: (() => void) | undefined;
  #left = false;

  private constructor(options: FederationOptions, nc: NatsConnection) {
    this.#o = options;
    this.#nc = nc;
    this.#policy = options.policy;
  }

  /** Connect, trust the policy's peers, register the proxies, start listening. Throws `E_NO_TARGET` if NATS cannot be reached. */
  static async join(options: FederationOptions): Promise<Federation> {
    const { kernel, policy } = options;
    for (const peer of policy.peers.values()) peerKeys(peer); // unreadable keys fail before connecting
    let nc: NatsConnection;
    try {
      // noAsyncTraces: a timeout is reported with its own code and facts; a stack captured per request is not worth its cost.
      nc = await connect({ servers: [options.servers].flat() as string[], name: `nanokernel-${kernel.id}`, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: options.reconnectTimeWait ?? 250, pingInterval: 5_000, noAsyncTraces: true });
    } catch (cause) {
      throw new KernelError('E_NO_TARGET', `cannot reach NATS at ${[options.servers].flat().join(', ')}: ${(cause as Error).message}`, { cause, facts: { servers: [options.servers].flat().join(',') }, hint: 'start nats-server (docs/federation.md), or check --nats' });
    }
    const federation = new Federation(options, nc);
    await federation.#start();
    return federation;
  }

  /** True while the NATS connection is up. */
  get connected(): boolean {
    return this.#status.connected;
  }

  /** Repeated arrivals answered from the de-duplication cache (not delivered again). */
  get duplicatesSuppressed(): number {
    return this.#dedupe.hits;
  }

  async #start(): Promise<void> {
    const { kernel } = this.#o;
    void this.#status.watch(this.#nc, () => {
      void this.#publishRevocations();
      for (const id of this.#links.keys()) void this.#syncFrom(id);
    });
    // These live as long as the connection (leave() drains it).
    this.#nc.subscribe(subjects.call(kernel.id), { callback: (error, msg) => error ? this.#warn(error) : this.#onCall(msg) });
    this.#nc.subscribe(subjects.event(kernel.id), { callback: (error, msg) => error ? this.#warn(error) : this.#onEvent(msg) });
    this.#nc.subscribe(subjects.revocationSync(kernel.id), { callback: (error, msg) => error ? this.#warn(error) : void kernel.peers.signRevocationList().then((list) => msg.respond(list)) });
    for (const peer of this.#policy.peers.values()) await this.#link(peer);
    this.#unsubscribeRevocations = kernel.onRevoke(() => void this.#publishRevocations());
    await this.#nc.flush();
    await this.#publishRevocations();
    await Promise.all([...this.#policy.peers.values()].map((peer) => this.#syncFrom(peer.id)));
    this.#heartbeat = setInterval(() => void this.#publishRevocations(), this.#o.heartbeatMs ?? 250);
    this.#heartbeat.unref();
  }

  /** Trust `peer` (recorded by the kernel), hear its revocations, and register a proxy for each extension and topic it offers. */
  async #link(peer: CompiledPeer): Promise<void> {
    const { kernel } = this.#o;
    kernel.peers.trust(peer.id, trustOf(peer));
    const revocations = this.#nc.subscribe(subjects.revocations(peer.id), { callback: (error, msg) => error ? this.#warn(error) : this.#applyRevocations(msg.string()) });
    const link: PeerLink = { offers: offers(peer), revocations, proxies: [] };
    this.#links.set(peer.id, link);
    for (const name of peer.extensions) {
      await kernel.registerRemoteProxy(name, (envelope) => this.#forward(peer.id, envelope), { concurrency: 1_024, capacity: 8_192, maxCallsPerSecond: 1e9 });
      link.proxies.push(name);
    }
    if (peer.topics.length > 0) {
      const name = `federation.${peer.id}`;
      const port = await kernel.registerRemoteProxy(name, (envelope) => this.#forwardEvent(peer.id, envelope), { concurrency: 64, maxCallsPerSecond: 1e9 }, peer.topics.map((topic) => ({ action: 'subscribe', to: topic })));
      link.proxies.push(name);
      for (const topic of peer.topics) await port.subscribe(topic);
    }
  }

  /** Undo `#link`: the proxies go (pending calls fail with `E_NO_TARGET`), its revocations are no longer heard. */
  #unlink(id: string, reason: string): void {
    const link = this.#links.get(id);
    if (!link) return;
    this.#links.delete(id);
    link.revocations.unsubscribe();
    for (const name of link.proxies) this.#o.kernel.unregister(name, reason);
  }

  /**
   * Apply the peers of a reloaded policy: a peer no longer named is distrusted at
   * once (its tokens are refused from the next message on); every other is trusted
   * again with the keys and grants the policy now gives it (revocations heard so far
   * are kept), its proxies rebuilt only if what it offers changed; a new one is
   * linked and asked for its revocations.
   */
  async applyPolicy(next: CompiledPolicy): Promise<void> {
    if (this.#left) return;
    const trusts = new Map([...next.peers.values()].map((peer) => [peer.id, trustOf(peer)])); // unreadable keys change nothing
    this.#policy = next;
    for (const id of [...this.#links.keys()]) {
      if (next.peers.has(id)) continue;
      this.#unlink(id, 'removed from the policy');
      this.#o.kernel.peers.distrust(id, 'removed from the policy');
    }
    for (const peer of next.peers.values()) {
      if (this.#links.get(peer.id)?.offers === offers(peer)) {
        this.#o.kernel.peers.trust(peer.id, trusts.get(peer.id)!);
        continue;
      }
      this.#unlink(peer.id, 'what the peer offers changed in a policy reload');
      await this.#link(peer);
      void this.#syncFrom(peer.id);
    }
  }

  /** Forward one call to the peer that runs the target, within the envelope's deadline. */
  async #forward(peer: string, envelope: Envelope): Promise<unknown> {
    const deadline = envelope.deadline ?? Date.now() + (this.#o.defaultTimeoutMs ?? 5_000);
    const payload = encode(envelope);
    const fail = (code: 'E_TIMEOUT' | 'E_NO_TARGET', why: string) =>
      new KernelError(code, `"${envelope.to}" on kernel "${peer}" did not answer ${envelope.op}: ${why}`, { facts: { to: envelope.to, op: envelope.op, peer }, hint: code === 'E_NO_TARGET' ? `start kernel "${peer}" (or check that it offers "${envelope.to}")` : 'check the NATS server and the peer kernel; the link reconnects by itself' });
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw fail('E_TIMEOUT', this.#status.connected ? 'the deadline passed' : 'NATS is unreachable and the deadline passed');
      if (!this.#status.connected) {
        await this.#status.reconnected(remaining);
        continue;
      }
      try {
        const msg = await this.#nc.request(subjects.call(peer), payload, { timeout: remaining });
        return readReply(msg.data);
      } catch (error) {
        if (error instanceof KernelError) {
          // The peer refused (or the target failed): record it here too, in the caller's trace.
          this.#o.kernel.record({ actor: envelope.from, action: 'call', verdict: 'deny', target: envelope.to, op: envelope.op, resource: envelope.resource, code: error.code, why: error.message.slice(0, 300), trace_id: envelope.trace_id, envelope_id: envelope.id, detail: { remote: peer } });
          throw error;
        }
        if (error instanceof errors.RequestError && error.isNoResponders()) throw fail('E_NO_TARGET', `kernel "${peer}" is not listening`);
        // A timeout while connected is final; one while (or after) disconnected means the
        // message may have been dropped: wait for the reconnect and send the same envelope again.
        const timedOut = error instanceof errors.TimeoutError || (error as { cause?: unknown })?.cause instanceof errors.TimeoutError;
        if (timedOut && this.#status.connected) throw fail('E_TIMEOUT', 'no reply within the deadline');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  /** Forward a local event to a peer; events that came from a peer are not sent back out. */
  #forwardEvent(peer: string, envelope: Envelope): void {
    if (envelope.from.includes('@') || !this.#status.connected) return;
    this.#nc.publish(subjects.event(peer), encode(envelope));
  }

  #onCall(msg: Msg): void {
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(decode(msg.data));
    } catch (error) {
      if (msg.reply) msg.respond(errorReply(error));
      return;
    }
    this.#deliver(envelope).then(
      (body) => msg.reply && msg.respond(okReply(body)),
      (error: unknown) => msg.reply && msg.respond(errorReply(error)),
    );
  }

  #onEvent(msg: Msg): void {
    try {
      this.#deliver(parseEnvelope(decode(msg.data))).catch((error: unknown) => this.#o.logger?.debug({ code: fromWire(error).code }, 'remote event refused'));
    } catch (error) {
      this.#o.logger?.debug({ code: fromWire(error).code }, 'malformed remote event');
    }
  }

  /** Hand an envelope to the kernel once; a repeat (same id, same token) gets the first outcome. */
  #deliver(envelope: Envelope): Promise<unknown> {
    const key = `${envelope.id}:${envelope.from}:${envelope.cap?.slice(-24) ?? ''}`;
    return this.#dedupe.run(key, envelope.deadline, Date.now(), () => this.#o.kernel.peers.accept(envelope));
  }

  #applyRevocations(list: string): void {
    this.#o.kernel.peers.applyRevocations(list).catch((error: unknown) => this.#o.logger?.warn({ code: fromWire(error).code }, 'a revocation list was refused'));
  }

  async #publishRevocations(): Promise<void> {
    if (this.#left || !this.#status.connected) return;
    try {
      this.#nc.publish(subjects.revocations(this.#o.kernel.id), await this.#o.kernel.peers.signRevocationList());
    } catch (error) {
      this.#warn(error);
    }
  }

  async #syncFrom(peer: string): Promise<void> {
    try {
      const msg = await this.#nc.request(subjects.revocationSync(peer), undefined, { timeout: 1_000 });
      await this.#o.kernel.peers.applyRevocations(msg.string());
    } catch {
      // The peer is not up yet; its heartbeats will arrive when it is.
    }
  }

  #warn(error: unknown): void {
    this.#o.logger?.warn({ err: error instanceof Error ? error.message : String(error) }, 'federation link');
  }

  /** Stop forwarding, unregister the proxies (pending calls fail with `E_NO_TARGET`) and close the connection. */
  async leave(): Promise<void> {
    if (this.#left) return;
    this.#left = true;
    clearInterval(this.#heartbeat);
    this.#unsubscribeRevocations?.();
    for (const id of [...this.#links.keys()]) this.#unlink(id, 'left the federation');
    this.#status.wakeAll();
    try {
      await this.#nc.drain();
    } catch {
      await this.#nc.close();
    }
  }
}
