// The lease table: instruments with a capacity, the leases that hold their
// slots, and the FIFO of tickets waiting for one. Pure state, no JSON, no I/O:
// every function takes `now` (the kernel-stamped `ts` of the delivery being
// handled; the plugin has no clock of its own).
import { Queue, Ticket } from "./queue";

export const MODE_SHARED: i32 = 0;
export const MODE_EXCLUSIVE: i32 = 1;

/** A held slot. `owner` is the caller's kernel-stamped id; `holder` the caller's label for it. */
export class Lease {
  seq: u32;
  instrument: Instrument;
  holder: string;
  owner: string;
  expiresAt: i64;
  /** Index in `instrument.leases` (kept current for O(1) removal). */
  index: i32 = -1;

  constructor(seq: u32, instrument: Instrument, holder: string, owner: string, expiresAt: i64) {
    this.seq = seq;
    this.instrument = instrument;
    this.holder = holder;
    this.owner = owner;
    this.expiresAt = expiresAt;
  }

  /** The lease id callers see: `<instrument>#<epoch>-<seq>`. */
  id(): string {
    return this.instrument.leasePrefix + this.seq.toString();
  }
}

export class Instrument {
  name: string;
  /** Slots configured in `data.slots`. */
  slots: i32;
  mode: i32;
  /** How many may hold it at once: `slots`, or 1 when exclusive. */
  capacity: i32;
  leases: Array<Lease> = [];
  queue: Queue = new Queue();
  leasePrefix: string = "";
  ticketPrefix: string = "";
  /** A lower bound of the earliest lease expiry: no lease can have expired before it. */
  nextExpiry: i64 = i64.MAX_VALUE;
  /** A lower bound of the earliest ticket deadline. */
  nextAbandon: i64 = i64.MAX_VALUE;
  /** Reclaimed since the last sweep (by the sweep itself or by an op that touched the instrument). */
  expired: i32 = 0;
  abandoned: i32 = 0;

  constructor(name: string, slots: i32, mode: i32) {
    this.name = name;
    this.slots = slots;
    this.mode = mode;
    this.capacity = mode == MODE_EXCLUSIVE ? 1 : slots;
  }

  get free(): i32 {
    return this.capacity - this.leases.length;
  }
}

// ---- global state (one plugin instance = one pool) ----

/** Configured instruments, in the order of `data.slots`. */
export const instruments: Array<Instrument> = [];
const byName = new Map<string, Instrument>();
const leases = new Map<u32, Lease>();
const tickets = new Map<u32, Ticket>();
let seq: u32 = 0;
let epoch: string = "";
/** The pool's clock: the largest `ts` seen, so a wall clock stepping back never revives a lease. */
export let now: i64 = 0;

/**
 * Advance the clock to `ts` (never backwards). The first delivery also fixes
 * the id epoch, so ids stay unique across instance rebuilds.
 */
export function tick(ts: i64): i64 {
  if (ts > now) now = ts;
  if (epoch.length == 0) {
    epoch = now.toString(36);
    for (let i = 0; i < instruments.length; i++) prefix(instruments[i]);
  }
  return now;
}

function prefix(inst: Instrument): void {
  inst.leasePrefix = inst.name + "#" + epoch + "-";
  inst.ticketPrefix = inst.name + "#q" + epoch + "-";
}

/** Add an instrument (at configuration time). */
export function addInstrument(inst: Instrument, listed: bool = true): void {
  if (listed) {
    instruments.push(inst);
    byName.set(inst.name, inst);
  }
  if (epoch.length > 0) prefix(inst);
}

export function findInstrument(name: string): Instrument | null {
  return byName.has(name) ? byName.get(name) : null;
}

// ---- reclaiming expired leases and abandoned tickets ----

/** Drop `inst`'s expired leases and abandoned tickets (cheap when nothing is due). */
export function reap(inst: Instrument, at: i64): void {
  if (at >= inst.nextExpiry) {
    let min = i64.MAX_VALUE;
    let i = 0;
    while (i < inst.leases.length) {
      const lease = inst.leases[i];
      if (at >= lease.expiresAt) {
        removeLease(lease);
        inst.expired++;
        continue; // the last lease moved into index i
      }
      if (lease.expiresAt < min) min = lease.expiresAt;
      i++;
    }
    inst.nextExpiry = min;
  }
  if (at >= inst.nextAbandon) {
    const dropped: Array<Ticket> = [];
    inst.abandoned += inst.queue.removeAbandoned(at, dropped);
    for (let i = 0; i < dropped.length; i++) tickets.delete(dropped[i].seq);
    inst.nextAbandon = inst.queue.earliestDeadline();
  }
}

// ---- leases ----

/** Take a slot now, for `ttlMs`. The caller has checked that one is free for it. */
export function grant(inst: Instrument, holder: string, owner: string, ttlMs: i64, at: i64): Lease {
  let lease: Lease;
  if (spare.length > 0) {
    lease = spare.pop();
    lease.seq = ++seq;
    lease.instrument = inst;
    lease.holder = holder;
    lease.owner = owner;
    lease.expiresAt = at + ttlMs;
  } else lease = new Lease(++seq, inst, holder, owner, at + ttlMs);
  lease.index = inst.leases.length;
  inst.leases.push(lease);
  leases.set(lease.seq, lease);
  if (lease.expiresAt < inst.nextExpiry) inst.nextExpiry = lease.expiresAt;
  return lease;
}

/** Released lease records, reused by `grant` (fewer allocations on the hot path). */
const spare: Array<Lease> = [];
const SPARE_MAX: i32 = 64;

/**
 * Recycle a removed lease's record. Only for a lease nobody refers to any more
 * (the ops read what they need before calling this).
 */
export function recycle(lease: Lease): void {
  if (lease.index == -1 && spare.length < SPARE_MAX) spare.push(lease);
}

/** Give a slot back (swap-remove). */
export function removeLease(lease: Lease): void {
  const list = lease.instrument.leases;
  const last = list[list.length - 1];
  list[lease.index] = last;
  last.index = lease.index;
  list.pop();
  lease.index = -1;
  leases.delete(lease.seq);
}

/** Move a lease's expiry to `at + ttlMs` (renewal may also shorten it). */
export function extend(lease: Lease, ttlMs: i64, at: i64): void {
  lease.expiresAt = at + ttlMs;
  if (lease.expiresAt < lease.instrument.nextExpiry) lease.instrument.nextExpiry = lease.expiresAt;
}

/** The digits after the last "-" of `id` as a sequence number, or 0. */
function seqOf(id: string): u32 {
  const dash = id.lastIndexOf("-");
  if (dash < 0 || dash == id.length - 1 || id.length - dash > 11) return 0;
  if (id.charCodeAt(dash + 1) == 0x30) return 0; // no leading zeros: one spelling per id
  let n: u64 = 0;
  for (let i = dash + 1; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return 0;
    n = n * 10 + <u64>(c - 0x30);
  }
  return n > <u64>u32.MAX_VALUE ? 0 : <u32>n;
}

/** `id` is exactly `prefix` followed by digits (their value was checked by the caller). */
function matches(id: string, prefix: string): bool {
  return id.length > prefix.length && id.lastIndexOf("-") == prefix.length - 1 && id.startsWith(prefix);
}

/** The live lease named `id` (or null: never issued, released, reclaimed, or another epoch's). */
export function findLease(id: string): Lease | null {
  const n = seqOf(id);
  if (n == 0 || !leases.has(n)) return null;
  const lease = leases.get(n);
  return matches(id, lease.instrument.leasePrefix) ? lease : null;
}

// ---- tickets ----

/** Queue a waiter; its deadline is `at + ticketTtlMs`. */
export function enqueue(inst: Instrument, holder: string, owner: string, ttlMs: i64, ticketTtlMs: i64, at: i64): Ticket {
  const ticket = new Ticket(++seq, inst, holder, owner, ttlMs, at + ticketTtlMs);
  inst.queue.push(ticket);
  tickets.set(ticket.seq, ticket);
  if (ticket.deadline < inst.nextAbandon) inst.nextAbandon = ticket.deadline;
  return ticket;
}

/** The queued ticket named `id`, or null. */
export function findTicket(id: string): Ticket | null {
  const n = seqOf(id);
  if (n == 0 || !tickets.has(n)) return null;
  const ticket = tickets.get(n);
  return matches(id, ticket.instrument.ticketPrefix) ? ticket : null;
}

/** Take `ticket` out of its queue (it became a lease). */
export function dequeue(ticket: Ticket, position: i32): void {
  ticket.instrument.queue.removeAt(position);
  tickets.delete(ticket.seq);
}
