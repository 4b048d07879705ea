/**
 * Whether the NATS connection is up, from the client's status events, and a
 * way for a forwarded call to wait for it to come back within its deadline.
 *
 * @module
 */
import type { NatsConnection } from '@nats-io/transport-node';

export class LinkStatus {
  #connected = true;
  #waiters: (() => void)[] = [];

  get connected(): boolean {
    return this.#connected;
  }

  /** Follow `nc`'s status until it closes; `onReconnect` runs after each reconnect. */
  async watch(nc: NatsConnection, onReconnect: () => void): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.#connected = false;
      else if (status.type === 'reconnect') {
        this.#connected = true;
        this.wakeAll();
        onReconnect();
      }
    }
  }

  /** Resolve on reconnect, or after `ms`, whichever is first. */
  reconnected(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Let every waiter go (on reconnect, or when leaving). */
  wakeAll(): void {
    this.#waiters.splice(0).forEach((wake) => wake());
  }
}
