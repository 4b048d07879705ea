// The pool's ops (extensions/pool/protocol.ts): each validates its body,
// acts on the lease table at the delivery's `ts`, and writes the reply.
// `takeSlot` and `giveBack` are the cores `lease`/`claim` and `release` share
// with `bench`, so the benchmark times the code real callers run.
import { jsonString } from "../../sdk/assemblyscript/assembly/index";
import { leaseTtlMs, ticketTtlMs } from "./config";
import { BodyReader, Envelope } from "./envelope";
import { Facts, replyError, replyOk, stringArray } from "./reply";
import {
  addInstrument, dequeue, enqueue, extend, findInstrument, findLease, findTicket, grant, Instrument, instruments, Lease,
  MODE_EXCLUSIVE, MODE_SHARED, reap, recycle, removeLease,
} from "./table";

export const MAX_TTL_MS: i64 = 86_400_000;
export const MAX_BENCH_PAIRS: i64 = 1_000_000;

// ---- cores ----

/** A slot for `owner` now, or null when the caller must queue (full, or others are waiting). */
export function takeSlot(inst: Instrument, holder: string, owner: string, ttlMs: i64, at: i64): Lease | null {
  reap(inst, at);
  if (inst.queue.size > 0 || inst.free <= 0) return null;
  return grant(inst, holder, owner, ttlMs < leaseTtlMs ? ttlMs : leaseTtlMs, at);
}

export const RELEASED: i32 = 1;
export const GONE: i32 = 0; // never issued, already released, reclaimed, or expired now
export const NOT_OWNER: i32 = -1;
export const WRONG_RESOURCE: i32 = -2;

/** The lease `giveBack` looked at last (for error facts). */
let looked: Lease | null = null;

/** Release lease `id` for `owner`; `resource` is "" or must name the lease's instrument. */
export function giveBack(id: string, owner: string, resource: string, at: i64): i32 {
  const lease = findLease(id);
  looked = lease;
  if (lease === null) return GONE;
  if (resource.length > 0 && resource != lease.instrument.name) return WRONG_RESOURCE;
  if (lease.owner != owner) return NOT_OWNER;
  removeLease(lease);
  const expired = at >= lease.expiresAt;
  if (expired) lease.instrument.expired++;
  looked = null;
  recycle(lease);
  return expired ? GONE : RELEASED;
}

// ---- replies and errors ----

function granted(lease: Lease): i32 {
  return replyOk("{\"leaseId\":" + jsonString(lease.id()) + ",\"instrument\":" + jsonString(lease.instrument.name) + ",\"expiresAt\":" + lease.expiresAt.toString() + "}");
}

function badBody(e: Envelope, r: BodyReader): i32 {
  return replyError("E_BAD_ENVELOPE", "pool " + e.op + ": " + r.problem, "see extensions/pool/protocol.ts for the body of \"" + e.op + "\"", new Facts().str("field", r.field).str("op", e.op));
}

function knownNames(): Array<string> {
  const names: Array<string> = [];
  for (let i = 0; i < instruments.length; i++) names.push(instruments[i].name);
  return names;
}

function noInstrument(e: Envelope): i32 {
  if (e.resource.length == 0) {
    return replyError("E_BAD_ENVELOPE", "pool " + e.op + ": the resource must name the instrument", "call " + e.op + " with the instrument as resource, e.g. \"wordcount\"", new Facts().str("field", "resource").str("op", e.op));
  }
  return replyError("E_NO_TARGET", "pool " + e.op + ": no instrument \"" + e.resource + "\"", "the pool's instruments are the keys of data.slots in its policy", new Facts().str("instrument", e.resource).str("reason", "unknown-instrument").raw("known", stringArray(knownNames())));
}

function wrongResource(e: Envelope, what: string, id: string, instrument: string): i32 {
  return replyError("E_BAD_ENVELOPE", "pool " + e.op + ": " + what + " \"" + id + "\" belongs to instrument \"" + instrument + "\", not \"" + e.resource + "\"", "name the " + what + "'s instrument as the resource (or \"\")", new Facts().str("field", "resource").str("instrument", instrument));
}

function notHolder(e: Envelope, what: string, id: string): i32 {
  return replyError("E_DENIED", "pool " + e.op + ": " + e.from + " does not hold " + what + " \"" + id + "\"", "only the extension that took a " + what + " may " + e.op + " it", new Facts().str("from", e.from).str(what == "lease" ? "leaseId" : "ticket", id).str("reason", "not-holder"));
}

function notFound(e: Envelope, what: string, id: string, reason: string, hint: string): i32 {
  return replyError("E_NO_TARGET", "pool " + e.op + ": no " + what + " \"" + id + "\" (" + reason + ")", hint, new Facts().str(what == "lease" ? "leaseId" : "ticket", id).str("reason", reason));
}

// ---- ops ----

export function opLease(e: Envelope): i32 {
  const inst = findInstrument(e.resource);
  if (inst === null) return noInstrument(e);
  const r = new BodyReader(e.body, ["holder", "ttlMs"]);
  const holder = r.string("holder", 1, 128);
  const ttlMs = r.integer("ttlMs", 1, MAX_TTL_MS);
  if (!r.ok) return badBody(e, r);
  const lease = takeSlot(inst, holder, e.from, ttlMs, e.ts);
  if (lease !== null) return granted(lease);
  const ticket = enqueue(inst, holder, e.from, ttlMs, ticketTtlMs, e.ts);
  return replyOk("{\"queued\":" + jsonString(ticket.id()) + ",\"position\":" + inst.queue.size.toString() + "}");
}

export function opClaim(e: Envelope): i32 {
  const inst = findInstrument(e.resource);
  if (inst === null) return noInstrument(e);
  const r = new BodyReader(e.body, ["ticket"]);
  const id = r.string("ticket", 1, 512);
  if (!r.ok) return badBody(e, r);
  reap(inst, e.ts);
  const ticket = findTicket(id);
  if (ticket === null) return notFound(e, "ticket", id, "not-found", "a ticket not claimed within the pool's ticketTtlMs is abandoned: lease again");
  if (ticket.instrument !== inst) return wrongResource(e, "ticket", id, ticket.instrument.name);
  if (ticket.owner != e.from) return notHolder(e, "ticket", id);
  const position = inst.queue.position(ticket);
  if (position <= inst.free) {
    dequeue(ticket, position);
    return granted(grant(inst, ticket.holder, ticket.owner, ticket.ttlMs < leaseTtlMs ? ticket.ttlMs : leaseTtlMs, e.ts));
  }
  ticket.deadline = e.ts + ticketTtlMs;
  return replyOk("{\"queued\":" + jsonString(id) + ",\"position\":" + position.toString() + "}");
}

export function opRenew(e: Envelope): i32 {
  const r = new BodyReader(e.body, ["leaseId", "ttlMs"]);
  const id = r.string("leaseId", 1, 512);
  const ttlMs = r.integer("ttlMs", 1, MAX_TTL_MS);
  if (!r.ok) return badBody(e, r);
  const lease = findLease(id);
  if (lease === null) return notFound(e, "lease", id, "not-found", "the lease was released or reclaimed (or never issued): lease again");
  if (e.resource.length > 0 && e.resource != lease.instrument.name) return wrongResource(e, "lease", id, lease.instrument.name);
  if (lease.owner != e.from) return notHolder(e, "lease", id);
  if (e.ts >= lease.expiresAt) {
    removeLease(lease);
    lease.instrument.expired++;
    return replyError("E_NO_TARGET", "pool renew: lease \"" + id + "\" expired at " + lease.expiresAt.toString() + "; its slot is no longer held", "renew before expiresAt (with a margin), or lease again", new Facts().str("leaseId", id).str("reason", "expired").num("expiredAt", lease.expiresAt));
  }
  extend(lease, ttlMs < leaseTtlMs ? ttlMs : leaseTtlMs, e.ts);
  return granted(lease);
}

export function opRelease(e: Envelope): i32 {
  const r = new BodyReader(e.body, ["leaseId"]);
  const id = r.string("leaseId", 1, 512);
  if (!r.ok) return badBody(e, r);
  const result = giveBack(id, e.from, e.resource, e.ts);
  if (result == WRONG_RESOURCE) return wrongResource(e, "lease", id, looked!.instrument.name);
  if (result == NOT_OWNER) return notHolder(e, "lease", id);
  return replyOk(result == RELEASED ? "{\"released\":true}" : "{\"released\":false}");
}

function statusOf(inst: Instrument): string {
  return "{\"instrument\":" + jsonString(inst.name) + ",\"slots\":" + inst.capacity.toString() + ",\"leased\":" + inst.leases.length.toString() + ",\"waiting\":" + inst.queue.size.toString() + ",\"mode\":" + (inst.mode == MODE_EXCLUSIVE ? "\"exclusive\"" : "\"shared\"") + "}";
}

export function opStatus(e: Envelope): i32 {
  const r = new BodyReader(e.body, []);
  if (!r.ok) return badBody(e, r);
  if (e.resource.length > 0) {
    const inst = findInstrument(e.resource);
    if (inst === null) return noInstrument(e);
    reap(inst, e.ts);
    return replyOk("{\"instruments\":[" + statusOf(inst) + "]}");
  }
  let out = "";
  for (let i = 0; i < instruments.length; i++) {
    reap(instruments[i], e.ts);
    out += (i == 0 ? "" : ",") + statusOf(instruments[i]);
  }
  return replyOk("{\"instruments\":[" + out + "]}");
}

export function opSweep(e: Envelope): i32 {
  const r = new BodyReader(e.body, []);
  if (!r.ok) return badBody(e, r);
  let expired = 0;
  let abandoned = 0;
  for (let i = 0; i < instruments.length; i++) {
    const inst = instruments[i];
    reap(inst, e.ts);
    expired += inst.expired;
    abandoned += inst.abandoned;
    inst.expired = 0;
    inst.abandoned = 0;
  }
  return replyOk("{\"expired\":" + expired.toString() + ",\"abandoned\":" + abandoned.toString() + "}");
}

/** A private instrument for `bench`: never listed, never leasable by callers. */
let scratch: Instrument | null = null;

export function opBench(e: Envelope): i32 {
  const r = new BodyReader(e.body, ["n"]);
  const n = r.integer("n", 0, MAX_BENCH_PAIRS);
  if (!r.ok) return badBody(e, r);
  if (scratch === null) {
    scratch = new Instrument("(bench)", 1, MODE_SHARED);
    addInstrument(scratch!, false);
  }
  const inst = scratch!;
  let pairs: i64 = 0;
  for (let i: i64 = 0; i < n; i++) {
    const lease = takeSlot(inst, "bench", e.from, 1_000, e.ts);
    if (lease === null) break;
    if (giveBack(lease.id(), e.from, "", e.ts) != RELEASED) break;
    pairs++;
  }
  if (pairs != n) {
    return replyError("E_TARGET_CRASHED", "pool bench: pair " + (pairs + 1).toString() + " of " + n.toString() + " failed", "", new Facts().num("pairs", pairs));
  }
  return replyOk("{\"pairs\":" + pairs.toString() + "}");
}
