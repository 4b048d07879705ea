/**
 * One run: the loop that asks the scheduler what to do after every settled
 * node, the transitions (applied to the view at once, then logged and
 * published in order), and the end of the run (finished, failed, cancelled).
 *
 * @module
 */
import { KernelError, type KernelApi } from '../sdk/worker/index.js';
import type { ArtifactsClient } from './artifacts.js';
import { codeOf, messageOf } from './artifacts.js';
import type { DagConfig } from './config.js';
import type { EventLog } from './log.js';
import { executeNode, type NodeHost } from './node.js';
import { NodeEvent, RunEvent, type RunStatus } from './protocol.js';
import { schedule } from './scheduler.js';
import { applyEntry, canMove, type LogEntry, type NodeEntry, type NodeState, type RunView } from './state.js';
import type { ParsedWorkflow } from './workflow/parse.js';

export interface RunDeps {
  readonly api: KernelApi;
  readonly config: DagConfig;
  readonly log: EventLog;
  readonly artifacts: ArtifactsClient;
  readonly random: () => number;
  onFinished(run: RunDriver): void;
}

type Extra = Partial<Omit<NodeEntry, 'type' | 'seq' | 'at' | 'runId' | 'nodeId' | 'state'>>;
type RunPart = Omit<Extract<LogEntry, { type: 'run' }>, 'type' | 'seq' | 'at' | 'runId'>;

export class RunDriver implements NodeHost {
  readonly view: RunView;
  readonly parsed: ParsedWorkflow;
  readonly #deps: RunDeps;
  readonly #active = new Set<string>();
  readonly #waiters = new Set<() => void>();
  #stopped = false;
  #ending = false;

  constructor(deps: RunDeps, parsed: ParsedWorkflow, view: RunView) {
    this.#deps = deps;
    this.parsed = parsed;
    this.view = view;
  }

  get api(): KernelApi { return this.#deps.api; }
  get config(): DagConfig { return this.#deps.config; }
  get artifacts(): ArtifactsClient { return this.#deps.artifacts; }
  get random(): () => number { return this.#deps.random; }
  get stopped(): boolean { return this.#stopped; }
  get finished(): boolean { return this.view.state !== 'running'; }

  /** Log `started` (or `resumed` after a restart) and start scheduling. */
  async begin(first: RunPart): Promise<void> {
    await this.#append({ type: 'run', ...first });
    this.#pump();
  }

  /** Resolves when the run has ended, or after `ms`. */
  whenFinished(ms: number): Promise<void> {
    if (this.finished) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); this.#waiters.delete(done); resolve(); };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  /** Move a node; refuses transitions the state machine does not have (a tracker bug, not a user error). */
  move(nodeId: string, state: NodeState, extra: Extra): Promise<void> {
    const current = this.view.nodes[nodeId]?.state ?? 'pending';
    if (!canMove(current, state)) {
      return Promise.reject(new KernelError('E_TARGET_CRASHED', `dag: node "${nodeId}" cannot go from ${current} to ${state}`, { facts: { runId: this.view.runId, nodeId, from: current, to: state } }));
    }
    return this.#append({ type: 'node', nodeId, state, attempt: extra.attempt ?? this.view.nodes[nodeId]?.attempt ?? 0, ...extra });
  }

  /** Stop the run now (cancel, or the stale sweeper's fail): unfinished nodes are cancelled. */
  async stop(state: 'failed' | 'cancelled', reason: string): Promise<boolean> {
    if (this.finished || this.#ending) return false;
    this.#stopped = true;
    const open = this.parsed.plan.order.filter((id) => ['pending', 'running', 'retrying', 'fallback'].includes(this.view.nodes[id]!.state));
    await this.#end(state, reason, open);
    return true;
  }

  status(): RunStatus {
    const nodes: RunStatus['nodes'] = {};
    for (const [id, n] of Object.entries(this.view.nodes)) nodes[id] = { state: n.state, attempt: n.attempt, updatedAt: n.updatedAt, ...(n.reason ? { reason: n.reason } : {}), ...(n.instrument ? { instrument: n.instrument } : {}) };
    const { runId, name, state, startedAt, updatedAt, reason } = this.view;
    return { runId, name, state, startedAt, updatedAt, ...(reason ? { reason } : {}), nodes };
  }

  /** Apply, log, then publish (after the entry is stored; the final run event also waits for the done marker). */
  #append(part: Record<string, unknown> & { type: 'run' | 'node' }, last = false): Promise<void> {
    const entry = { ...part, seq: this.view.nextSeq, at: Date.now(), runId: this.view.runId } as LogEntry;
    applyEntry(this.view, entry);
    let stored = this.#deps.log.append(entry);
    if (last) stored = stored.then(() => this.#deps.log.markDone(this.view.runId, entry.state));
    void stored.then(() => this.#publish(entry));
    return stored;
  }

  async #publish(entry: LogEntry): Promise<void> {
    const topic = `dag.${entry.type}.${entry.state}`;
    const body = entry.type === 'node' ? NodeEvent.parse(entry) : RunEvent.parse(entry);
    try {
      await this.#deps.api.publish(topic, body);
    } catch (error) {
      this.#deps.api.log('warn', 'dag: publishing an event failed', { topic, code: codeOf(error) });
    }
  }

  #pump(): void {
    if (this.#stopped || this.#ending || this.finished) return;
    for (;;) {
      // Nodes being started count as running: their `when:` may still be evaluating.
      const states = { ...this.view.nodes };
      for (const id of this.#active) states[id] = { ...states[id]!, state: 'running' };
      const next = schedule(this.parsed.plan, states, this.config.maxConcurrency);
      for (const { id, reason } of next.skip) void this.move(id, 'skipped', { attempt: 0, reason }).catch((e: unknown) => this.#crash(e));
      for (const id of next.start) {
        this.#active.add(id);
        void executeNode(this, id)
          .catch((error: unknown) => this.#crash(error))
          .finally(() => {
            this.#active.delete(id);
            this.#pump();
          });
      }
      if (next.finished) return void this.#end(next.finished.state, next.finished.reason, next.cancel).catch((e: unknown) => this.#crash(e));
      if (next.skip.length === 0) return;
    }
  }

  #crash(error: unknown): void {
    this.api.log('error', `dag: run ${this.view.runId} hit an internal error: ${messageOf(error)}`, { code: codeOf(error) });
    void this.stop('failed', `internal error: ${messageOf(error)}`);
  }

  async #end(state: 'succeeded' | 'failed' | 'cancelled', reason: string | undefined, cancel: readonly string[]): Promise<void> {
    if (this.#ending) return;
    this.#ending = true;
    for (const id of cancel) await this.move(id, 'cancelled', { reason: reason ? `run ${state}: ${reason}` : `run ${state}` });
    await this.#append({ type: 'run', state, ...(reason ? { reason } : {}) }, true);
    for (const waiter of [...this.#waiters]) waiter();
    this.#deps.onFinished(this);
  }
}
