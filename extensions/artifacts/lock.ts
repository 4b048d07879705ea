/**
 * A one-at-a-time lock: ref changes and gc run under it, so gc never sees a
 * half-made ref and two writes of one ref land on disk in the order they are
 * applied in memory.
 *
 * @module
 */
export class Lock {
  #tail: Promise<unknown> = Promise.resolve();

  /** Run `task` after every task queued before it; a failure does not block the next. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
