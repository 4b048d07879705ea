/**
 * Who subscribed to which topic pattern, indexed for publishing: the index is
 * rebuilt lazily after a change, so a publish costs lookups along the topic,
 * not a scan of every subscription.
 *
 * @module
 */
import { PatternIndex } from '../capabilities/index.js';
import type { EndpointState } from './endpoint.js';

export class Subscribers {
  readonly #byPattern = new Map<string, Set<EndpointState>>();
  #index: PatternIndex<Set<EndpointState>> | undefined;
  readonly #scratch: Set<EndpointState>[] = [];

  add(endpoint: EndpointState, pattern: string): void {
    endpoint.subscriptions.add(pattern);
    let set = this.#byPattern.get(pattern);
    if (!set) this.#byPattern.set(pattern, (set = new Set()));
    set.add(endpoint);
    this.#index = undefined;
  }

  /** Forget every subscription of `endpoint`. */
  remove(endpoint: EndpointState): void {
    for (const pattern of endpoint.subscriptions) this.#byPattern.get(pattern)?.delete(endpoint);
    this.#index = undefined;
  }

  /** Every open endpoint with a pattern matching `topic`, once each. */
  matching(topic: string): EndpointState[] {
    const index = (this.#index ??= this.#build());
    const sets = index.collect(topic, this.#scratch);
    const found = new Set<EndpointState>();
    for (let i = 0; i < sets; i++) for (const endpoint of this.#scratch[i]!) if (!endpoint.closed) found.add(endpoint);
    return [...found];
  }

  #build(): PatternIndex<Set<EndpointState>> {
    const index = new PatternIndex<Set<EndpointState>>();
    for (const [pattern, set] of this.#byPattern) if (set.size > 0) index.getOrCreate(pattern, () => set);
    return index;
  }
}
