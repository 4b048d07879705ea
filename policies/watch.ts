/**
 * Hot reload: watch a policy file and hand every new good version to the
 * kernel; a broken or deleted file is reported and the last good policy stays
 * in force ("fail closed, keep serving").
 *
 * The watch is on the file's directory, filtered by file name, so editors that
 * save by writing a temporary file and renaming it over the policy (vim, VS
 * Code, `sed -i`) are seen like in-place writes, and a deleted file that comes
 * back is picked up again. Bursts of events are debounced into one reload, and
 * reloads never overlap.
 *
 * @module
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { compilePolicy, type CompiledPolicy } from './compile.js';
import { diffPolicies, type PolicyDiff } from './diff.js';
import { loadPolicyFile, parsePolicy } from './load.js';
import { PolicyInvalidError } from './problems.js';

export interface PolicyWatchHandlers {
  /** A new good version: `diff` says which extensions were narrowed (revoke) or must restart. */
  onChange(next: CompiledPolicy, diff: PolicyDiff): void;
  /**
   * The file is broken, unreadable or deleted (`PolicyInvalidError`, code
   * `E_POLICY_INVALID`); `current` is unchanged. Any other error is one that
   * `onChange` threw, passed on instead of crashing the process.
   */
  onError(error: Error): void;
}

export interface PolicyWatchOptions {
  /** Quiet time after the last file event before reloading; default 75 ms. */
  readonly debounceMs?: number;
}

export interface PolicyWatcher {
  /** The last good policy: the initial one until a valid change arrives. */
  readonly current: CompiledPolicy;
  /** Reload now (for a SIGHUP or a CLI command); resolves when handlers have run. */
  reload(): Promise<void>;
  /** Stop watching. Pending reloads are dropped. */
  close(): void;
}

/**
 * Load a policy and keep it current. Throws if the initial load fails: a kernel
 * must not start without a good policy.
 *
 * @example
 * const watcher = await watchPolicy('policies/default.yaml', {
 *   onChange(next, diff) { for (const c of diff.changed) if (c.narrowed) kernel.revokeAll(c.id); },
 *   onError(err) { audit.write({ kind: 'policy.reload.failed', message: err.message }) },
 * });
 * watcher.current.hash
 */
export async function watchPolicy(path: string, handlers: PolicyWatchHandlers, options: PolicyWatchOptions = {}): Promise<PolicyWatcher> {
  const debounceMs = options.debounceMs ?? 75;
  let current = await loadPolicyFile(path);
  let lastText = await readFile(path, 'utf8');
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  const fail = (message: string, cause?: unknown): void =>
    handlers.onError(new PolicyInvalidError([{ file: path, line: 1, col: 1, path: '(file)', message }], cause));

  const reloadOnce = async (): Promise<void> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      if (closed) return;
      const code = (cause as NodeJS.ErrnoException).code ?? 'EIO';
      const what = code === 'ENOENT' ? 'the file was deleted' : `the file cannot be read (${code})`;
      fail(`${what}; the last good policy (hash ${current.hash.slice(0, 12)}) stays in force until the file is valid again`, cause);
      return;
    }
    if (closed || text === lastText) return;
    let next: CompiledPolicy;
    try {
      const parsed = parsePolicy(text, path);
      next = compilePolicy(parsed.policy, parsed.source);
    } catch (error) {
      if (!closed) handlers.onError(error as Error);
      return;
    }
    if (closed) return;
    const previous = current;
    current = next;
    lastText = text;
    try {
      handlers.onChange(next, diffPolicies(previous, next));
    } catch (error) {
      handlers.onError(error as Error);
    }
  };

  const reload = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await reloadOnce();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const name = basename(path);
  const watcher: FSWatcher = watch(dirname(resolve(path)), { persistent: false }, (_event, filename) => {
    if (closed || (filename !== null && filename.toString() !== name)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload().catch(() => undefined), debounceMs);
  });
  watcher.on('error', (error) => {
    if (!closed) fail(`the policy's directory can no longer be watched (${error.message}); restart to resume hot reload`, error);
  });

  return {
    get current() {
      return current;
    },
    reload,
    close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
