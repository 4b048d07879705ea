/**
 * One delivery at a time, each with its own deadline that starts when it is
 * queued. A delivery whose deadline passes while queued is rejected without
 * running; one whose deadline passes while running is rejected and `kill` is
 * called to stop the code that overran.
 *
 * @module
 */
import type { Envelope } from '../../nanokernel/envelope.js';
import { KernelError } from '../../nanokernel/errors.js';

export class Mailbox {
  #tail: Promise<void> = Promise.resolve();
  #inside = 0;

  /** True while any delivery is queued or running. */
  get busy(): boolean {
    return this.#inside > 0;
  }

  /**
   * Queue `job`; it is told, via `expired()`, if its deadline has passed.
   * Rejects with `E_TIMEOUT` at `deadline` (epoch ms) whatever the job does.
   */
  run<T>(deadline: number, envelope: Envelope, job: (expired: () => boolean) => Promise<T>, kill: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let running = false;
      const timeoutMs = Math.max(0, deadline - Date.now());
      const timer = setTimeout(() => {
        settled = true;
        reject(
          new KernelError('E_TIMEOUT', `${envelope.to} did not answer "${envelope.op}" within ${timeoutMs} ms`, {
            facts: { to: envelope.to, op: envelope.op, timeoutMs, running },
            hint: running
              ? `the plugin was stopped and is being rebuilt; raise host.timeoutMs for ${envelope.to} if the work is legitimately slow`
              : `${envelope.to} was busy with earlier deliveries; retry later`,
          }),
        );
        if (running) kill();
      }, timeoutMs);
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        fn();
      };
      this.#inside++;
      this.#tail = this.#tail
        .then(async () => {
          if (settled) return;
          running = true;
          try {
            const value = await job(() => settled);
            settle(() => resolve(value));
          } catch (err) {
            settle(() => reject(err));
          } finally {
            running = false;
          }
        })
        .finally(() => this.#inside--);
    });
  }
}
