/**
 * The composition root: a kernel, a policy, and every extension the policy
 * names running in its sandbox with a token minted from its grants. Reloads of
 * the policy file are applied here: narrowed or removed grants revoke tokens at
 * once, changed extensions restart, new ones start; a broken file keeps the
 * last good policy and is recorded.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { Kernel, KernelError, fromWire, type DenialExplainer, type Handler, type Port, type Supervised } from '../../nanokernel/index.js';
import { explain, loadPolicyFile, watchPolicy, type CompiledExtension, type CompiledPolicy, type PolicyDiff, type PolicyWatcher } from '../../policies/index.js';
import { sandboxFor } from './launch.js';

export interface HostOptions {
  readonly policyFile: string;
  readonly auditFile: string;
  /** Signing key file; omitted = a key that lives only as long as the process. */
  readonly keyFile?: string;
  readonly kernelId?: string;
  /** Follow edits of the policy file. */
  readonly watch?: boolean;
  /** Extensions whose denials are recorded but let through (learning mode; see `policy learn`). */
  readonly learn?: readonly string[];
  /** Start only these extensions (default: all in the policy). */
  readonly only?: readonly string[];
  readonly tokenTtlSeconds?: number;
  readonly logger?: Logger;
  readonly auditSync?: boolean;
}

/**
 * Read-write directories a policy grants must exist before a sandbox can map
 * them; create the missing ones (owner-only). Read-only grants are never created.
 */
function createGrantedDirectories(policy: CompiledPolicy): void {
  for (const extension of policy.extensions.values()) {
    for (const grant of extension.host.fs) if (grant.mode === 'readwrite') mkdirSync(grant.path, { recursive: true, mode: 0o700 });
  }
}

/** Endpoint limits from an extension's host grants. */
function endpointOptions(extension: CompiledExtension) {
  return {
    timeoutMs: extension.host.timeoutMs,
    maxCallsPerSecond: extension.host.maxCallsPerSecond,
    maxBodyBytes: extension.host.maxBodyBytes,
    concurrency: extension.host.concurrency,
  };
}

/**
 * @example
 * const host = await ExtensionHost.start({ policyFile: 'policies/default.yaml', auditFile: '.nanokernel/audit.log' });
 * await host.kernel.register(...);
 * await host.stop();
 */
export class ExtensionHost {
  readonly kernel: Kernel;
  #policy: CompiledPolicy;
  readonly #options: HostOptions;
  readonly #running = new Map<string, Supervised>();
  readonly #principals = new Set<string>();
  /** Root tokens replaced by a scheduled renewal but not expired: delegations made from them still live. */
  readonly #superseded = new Map<string, { jti: string; until: number }[]>();
  #watcher: PolicyWatcher | undefined;
  readonly #appliedListeners = new Set<(policy: CompiledPolicy) => Promise<void> | void>();
  #refresh: ReturnType<typeof setInterval> | undefined;

  private constructor(kernel: Kernel, policy: CompiledPolicy, options: HostOptions) {
    this.kernel = kernel;
    this.#policy = policy;
    this.#options = options;
  }

  /** Load the policy, start the kernel, start every extension. Throws on a bad policy or a failed start. */
  static async start(options: HostOptions): Promise<ExtensionHost> {
    const policy = await loadPolicyFile(options.policyFile);
    createGrantedDirectories(policy);
    let current = policy;
    const explainer: DenialExplainer = (request) => {
      const explanation = explain(current, { as: request.from, action: request.action, to: request.to, op: request.op, resource: request.resource });
      return { advice: explanation.advice, ...(explanation.suggestion ? { suggestion: explanation.suggestion } : {}) };
    };
    const kernel = await Kernel.start({
      id: options.kernelId ?? 'local',
      auditFile: options.auditFile,
      ...(options.keyFile ? { keyFile: options.keyFile } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.auditSync ? { auditSync: true } : {}),
      ...(options.learn?.length ? { unsafeLearnMode: options.learn } : {}),
      explain: explainer,
    });
    const host = new ExtensionHost(kernel, policy, options);
    kernel.setPolicyHash(policy.hash);
    kernel.record({ actor: 'kernel', action: 'policy.load', verdict: 'info', detail: { file: path.relative(process.cwd(), policy.file), hash: policy.hash, extensions: policy.extensions.size } });
    // Start every extension, and only then look at failures: stopping while others are
    // still starting would leave their workers running with nobody to stop them.
    const started = await Promise.allSettled([...policy.extensions.values()].filter((ext) => ext.sandbox !== 'host' && host.#wanted(ext.id)).map((ext) => host.#startExtension(ext)));
    const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) {
      await host.stop();
      throw failed.reason;
    }
    if (options.watch) {
      host.#watcher = await watchPolicy(options.policyFile, {
        onChange: (next, diff) => {
          current = next;
          void host.#apply(next, diff).catch((error: unknown) => kernel.logger.error({ err: fromWire(error).toWire() }, 'policy reload failed'));
        },
        onError: (error) => host.#rejected(error),
      });
    }
    // Tokens are renewed well before they expire, so long runs never see E_TOKEN_EXPIRED.
    const ttl = options.tokenTtlSeconds ?? 24 * 3600;
    host.#refresh = setInterval(() => void host.#renewAll(), (ttl * 1000) / 2);
    host.#refresh.unref();
    return host;
  }

  get #ttl(): number {
    return this.#options.tokenTtlSeconds ?? 24 * 3600;
  }

  /**
   * Revoke every live root token of `id`: the current one and those a renewal
   * superseded, so nothing delegated from any of them survives a narrowing.
   */
  #revokeAll(id: string, reason: string, includeCurrent = true): void {
    const now = Date.now();
    for (const old of this.#superseded.get(id) ?? []) if (old.until > now) this.kernel.revokeToken(old.jti, reason);
    this.#superseded.delete(id);
    const jti = includeCurrent ? this.kernel.tokenId(id) : undefined;
    if (jti) this.kernel.revokeToken(jti, reason);
  }

  get policy(): CompiledPolicy {
    return this.#policy;
  }

  /**
   * Register the policy's host principal `id` (`sandbox: host`) in this process:
   * the operator's command line or an embedding application. Its grants are the
   * policy's, and everything it asks is decided and audited like any extension.
   */
  async principal(id: string, handler: Handler = () => undefined): Promise<Port> {
    const extension = this.#policy.extensions.get(id);
    if (!extension || extension.sandbox !== 'host') {
      throw new KernelError('E_POLICY_INVALID', `the policy has no host principal "${id}"`, {
        facts: { id, file: this.#policy.file },
        hint: `add "${id}: { sandbox: host, why: …, allow: […] }" under extensions:`,
      });
    }
    const token = await this.kernel.mintToken(id, extension.grants, this.#ttl);
    const port = await this.kernel.register(id, token, handler, endpointOptions(extension));
    this.#principals.add(id);
    return port;
  }

  /** The supervised extension named `id`. */
  extension(id: string): Supervised | undefined {
    return this.#running.get(id);
  }

  /** Ids of the running extensions. */
  extensions(): string[] {
    return [...this.#running.keys()];
  }

  /** Re-read the policy file now (what a file change does when watching). */
  async reload(): Promise<PolicyDiff | undefined> {
    let next: CompiledPolicy;
    try {
      next = await loadPolicyFile(this.#options.policyFile);
    } catch (error) {
      this.#rejected(error);
      throw error;
    }
    const { diffPolicies } = await import('../../policies/index.js');
    const diff = diffPolicies(this.#policy, next);
    await this.#apply(next, diff);
    return diff;
  }

  #wanted(id: string): boolean {
    return this.#options.only === undefined || this.#options.only.includes(id);
  }

  async #startExtension(extension: CompiledExtension): Promise<void> {
    const sandbox = await sandboxFor(this.#policy, extension);
    const token = await this.kernel.mintToken(extension.id, extension.grants, this.#ttl);
    const supervised = await this.kernel.attach(sandbox, token, endpointOptions(extension));
    this.#running.set(extension.id, supervised);
  }

  async #stopExtension(id: string, reason: string): Promise<void> {
    if (this.#principals.delete(id)) {
      this.#revokeAll(id, reason);
      this.kernel.unregister(id, reason);
      return;
    }
    const supervised = this.#running.get(id);
    if (!supervised) return;
    this.#running.delete(id);
    this.#revokeAll(id, reason);
    await supervised.stop(reason);
  }

  async #apply(next: CompiledPolicy, diff: PolicyDiff): Promise<void> {
    const previous = this.#policy;
    this.#policy = next;
    this.kernel.setPolicyHash(next.hash);
    this.kernel.record({ actor: 'kernel', action: 'policy.reload', verdict: 'info', detail: { old_hash: previous.hash, new_hash: next.hash, added: diff.added, removed: diff.removed, changed: diff.changed.map((c) => c.id) } });
    for (const id of diff.removed) await this.#stopExtension(id, 'removed from the policy');
    for (const change of diff.changed) {
      const extension = next.extensions.get(change.id)!;
      if (!this.#wanted(change.id) && !this.#principals.has(change.id)) continue;
      if (change.restart && !this.#principals.has(change.id)) {
        await this.#stopExtension(change.id, 'its sandbox settings changed');
        await this.#startExtension(extension);
      } else if (change.narrowed || change.widened) {
        // A fresh token with the new grants; the old one is revoked at once, so a
        // narrowed grant stops working before the next message is decided.
        const token = await this.kernel.mintToken(change.id, extension.grants, this.#ttl);
        const reason = change.narrowed ? 'grants narrowed by policy reload' : 'grants widened by policy reload';
        await this.kernel.replaceToken(change.id, token, reason);
        if (change.narrowed) this.#revokeAll(change.id, reason, false);
      }
    }
    for (const id of diff.added) {
      const extension = next.extensions.get(id)!;
      if (extension.sandbox !== 'host' && this.#wanted(id)) await this.#startExtension(extension);
    }
    for (const listener of this.#appliedListeners) await listener(next);
  }

  /** Be told of each reloaded policy once it is applied (the federation link re-reads its peers). Returns the unsubscribe function. */
  onPolicyApplied(listener: (policy: CompiledPolicy) => Promise<void> | void): () => void {
    this.#appliedListeners.add(listener);
    return () => this.#appliedListeners.delete(listener);
  }

  #rejected(error: unknown): void {
    const coded = error instanceof KernelError ? error : fromWire(error);
    try {
      this.kernel.record({ actor: 'kernel', action: 'policy.reject', verdict: 'info', code: 'E_POLICY_INVALID', detail: { message: coded.message.slice(0, 2_000), kept_hash: this.#policy.hash } });
    } catch {
      // The audit log is down; the dispatcher already refuses everything.
    }
    this.kernel.logger.warn({ code: coded.code }, `policy reload rejected; keeping ${this.#policy.hash.slice(0, 12)}: ${coded.message}`);
  }

  async #renewAll(): Promise<void> {
    for (const id of [...this.#running.keys(), ...this.#principals]) {
      const extension = this.#policy.extensions.get(id);
      if (!extension) continue;
      const previous = this.kernel.tokenId(id);
      const token = await this.kernel.mintToken(id, extension.grants, this.#ttl);
      await this.kernel.replaceToken(id, token, 'scheduled renewal', false);
      if (previous) {
        const now = Date.now();
        const live = (this.#superseded.get(id) ?? []).filter((old) => old.until > now);
        this.#superseded.set(id, [...live, { jti: previous, until: now + this.#ttl * 1000 }]);
      }
    }
  }

  /** Stop watching, stop every extension, flush and close the audit log. */
  async stop(): Promise<void> {
    clearInterval(this.#refresh);
    await this.#watcher?.close();
    await this.kernel.shutdown();
  }
}
