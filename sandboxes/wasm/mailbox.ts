/**
 * One delivery at a time, with two clocks. The caller's deadline (the
 * envelope's): if it passes while the delivery is still queued, the delivery is
 * rejected without running; if it passes while running, the caller's promise is
 * rejected but the code is left to finish. The plugin's own limit (its
 * `host.timeoutMs`), counted from the moment the delivery starts: code still
 * running then is overrunning, and `kill` is called to stop it. So no caller can
 * get a plugin killed (and its circuit opened) by asking with a short deadline.
 *
 * @module
 */
import type { Envelope } from '../../nanokernel/envelope.js';
import { KernelError } from '../../nanokernel/errors.js';

function timeout(envelope: Envelope, timeoutMs: number, running: boolean, hint: string): KernelError {
  return new KernelError('E_TIMEOUT', `${envelope.to} did not answer "${envelope.op}" within ${timeoutMs} ms`, {
    facts: { to: envelope.to, op: envelope.op, timeoutMs, running },
    hint,
  });
}

export class Mailbox {
  #tail: Promise<void> = Promise.resolve();
  #inside = 0;

  /** True while any delivery is queued or running. */
  get busy(): boolean {
    return this.#inside > 0;
  }

  /**
   * Queue `job`. It is told, via `expired()`, if its result is no longer wanted.
   * `callerDeadline` is epoch ms; `limitMs` is the plugin's own limit per delivery.
   */
  run<T>(callerDeadline: number, limitMs: number, envelope: Envelope, job: (expired: () => boolean, killAt: number) => Promise<T>, kill: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let running = false;
      let killTimer: ReturnType<typeof setTimeout> | undefined;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(callerTimer);
        fn();
      };
      const callerMs = Math.max(0, callerDeadline - Date.now());
      const callerTimer = setTimeout(() => {
        settle(() =>
          reject(timeout(envelope, callerMs, running, running ? 'the caller stopped waiting; the plugin finishes the delivery within its own limit' : `${envelope.to} was busy with earlier deliveries; retry later`)),
        );
      }, callerMs);
      this.#inside++;
      this.#tail = this.#tail
        .then(async () => {
          if (settled) return;
          running = true;
          killTimer = setTimeout(() => {
            settle(() => reject(timeout(envelope, limitMs, true, `the plugin was stopped and is being rebuilt; raise host.timeoutMs for ${envelope.to} if the work is legitimately slow`)));
            kill();
          }, limitMs);
          try {
            const value = await job(() => settled, Date.now() + limitMs);
            settle(() => resolve(value));
          } catch (err) {
            settle(() => reject(err));
          } finally {
            clearTimeout(killTimer);
            running = false;
          }
        })
        .finally(() => this.#inside--);
    });
  }
}
