/**
 * One registered endpoint's state inside the dispatcher: its token, its bounded
 * mailbox, its rate limit and its subscriptions. Internal to nanokernel/.
 *
 * @module
 */
import type { Envelope } from './envelope.js';
import { Queue } from './queue.js';
import { RateLimit } from './rate-limit.js';
import type { VerifiedToken } from './token-claims.js';

/** What an endpoint does with a message: return (or resolve) the reply body, or throw a coded error. */
export type Handler = (envelope: Envelope) => unknown;

/** A message waiting in, or taken from, a mailbox. Calls carry their settle functions. */
export interface Delivery {
  readonly envelope: Envelope;
  readonly resolve: ((body: unknown) => void) | undefined;
  readonly reject: ((error: unknown) => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  settled: boolean;
}

export interface EndpointOptions {
  /** Messages the mailbox holds before senders get `E_OVERLOADED`. */
  readonly capacity?: number;
  /** Messages handled at once (1 keeps strict arrival order of handling). */
  readonly concurrency?: number;
  /** Calls, publishes and delegations per second this endpoint may make. */
  readonly maxCallsPerSecond?: number;
  /** Largest body this endpoint may send. */
  readonly maxBodyBytes?: number;
  /** Default deadline for messages delivered to this endpoint. */
  readonly timeoutMs?: number;
}

export class EndpointState {
  readonly name: string;
  token: VerifiedToken;
  /** The token as presented at registration (for forwarding proxies only; never logged). */
  tokenText = '';
  /**
   * A proxy for an extension on another kernel: its deliveries carry the sender's
   * token in `cap`, so the other kernel can decide on it. Set only by `Kernel.registerRemoteProxy`.
   */
  forwardsTokens = false;
  readonly handler: Handler;
  readonly mailbox = new Queue<Delivery>();
  readonly capacity: number;
  readonly concurrency: number;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly rate: RateLimit;
  /** Topic patterns this endpoint subscribed to. */
  readonly subscriptions = new Set<string>();
  running = 0;
  scheduled = false;
  closed = false;
  /** The message being handled now, for endpoints whose calls arrive from another thread. */
  current: Envelope | undefined;

  constructor(name: string, token: VerifiedToken, handler: Handler, options: Required<EndpointOptions>, now: number) {
    this.name = name;
    this.token = token;
    this.handler = handler;
    this.capacity = options.capacity;
    this.concurrency = options.concurrency;
    this.maxBodyBytes = options.maxBodyBytes;
    this.timeoutMs = options.timeoutMs;
    this.rate = new RateLimit(options.maxCallsPerSecond, now);
  }

  get full(): boolean {
    return this.mailbox.length >= this.capacity;
  }
}
