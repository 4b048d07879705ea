// The FIFO of waiters for one instrument. A Wasm call cannot block, so a caller
// that finds the instrument full gets a ticket and `claim`s it until granted.
// Tickets leave the queue when claimed into a lease or when abandoned (not
// claimed within the ticket ttl). Order is arrival order, never reshuffled.
import { Instrument } from "./table";

/** A waiter: who asked (kernel-stamped `from`), for whom, and for how long. */
export class Ticket {
  seq: u32;
  instrument: Instrument;
  holder: string;
  owner: string;
  ttlMs: i64;
  /** The ticket is abandoned when `now >= deadline`; each claim moves it on. */
  deadline: i64;

  constructor(seq: u32, instrument: Instrument, holder: string, owner: string, ttlMs: i64, deadline: i64) {
    this.seq = seq;
    this.instrument = instrument;
    this.holder = holder;
    this.owner = owner;
    this.ttlMs = ttlMs;
    this.deadline = deadline;
  }

  /** The ticket id callers see: `<instrument>#q<epoch>-<seq>`. */
  id(): string {
    return this.instrument.ticketPrefix + this.seq.toString();
  }
}

/** An array with a moving head: O(1) push and shift, compacted lazily. */
export class Queue {
  items: Array<Ticket> = [];
  head: i32 = 0;

  get size(): i32 {
    return this.items.length - this.head;
  }

  push(ticket: Ticket): i32 {
    this.items.push(ticket);
    return this.size;
  }

  /** 1-based position of `ticket`, or 0 when it is not queued. */
  position(ticket: Ticket): i32 {
    for (let i = this.head; i < this.items.length; i++) {
      if (this.items[i] === ticket) return i - this.head + 1;
    }
    return 0;
  }

  /** Remove the ticket at 1-based `position` (the order of the others is kept). */
  removeAt(position: i32): void {
    const index = this.head + position - 1;
    if (index == this.head) {
      this.head++;
      this.compact();
      return;
    }
    this.items.splice(index, 1);
  }

  /** Drop every ticket whose deadline has passed; returns how many. */
  removeAbandoned(now: i64, dropped: Array<Ticket>): i32 {
    const kept: Array<Ticket> = [];
    let count = 0;
    for (let i = this.head; i < this.items.length; i++) {
      const t = this.items[i];
      if (now >= t.deadline) {
        dropped.push(t);
        count++;
      } else kept.push(t);
    }
    if (count > 0) {
      this.items = kept;
      this.head = 0;
    }
    return count;
  }

  /** The earliest deadline of a queued ticket (i64.MAX_VALUE when empty). */
  earliestDeadline(): i64 {
    let min = i64.MAX_VALUE;
    for (let i = this.head; i < this.items.length; i++) {
      if (this.items[i].deadline < min) min = this.items[i].deadline;
    }
    return min;
  }

  private compact(): void {
    if (this.head == this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 32 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
