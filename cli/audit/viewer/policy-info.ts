/**
 * The policy a viewer was started with (`--policy`), read once: the compiled
 * policy (for rules and `explain`), its source lines (to show a rule's text),
 * and each module's sha256 as the file is now, beside the sha256 the policy pins.
 * Only the file the operator named is read; nothing the page sends picks a file.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadPolicyFile, type CompiledPolicy, type RuleInfo } from '../../../policies/index.js';

/** One extension's plugin identity according to the policy. */
export interface PluginIdentity {
  readonly id: string;
  readonly sandbox: 'worker' | 'wasm' | 'host';
  /** The module path relative to the policy's directory (never absolute on the page). */
  readonly module?: string;
  /** The sha256 the policy pins, if it does. */
  readonly pinned?: string;
  /** The sha256 of the module file when the viewer started (`undefined` if unreadable). */
  readonly current?: string;
}

export interface PolicyInfo {
  readonly policy: CompiledPolicy;
  readonly file: string;
  readonly plugins: ReadonlyMap<string, PluginIdentity>;
  /** The text of a rule's line in the policy file. */
  sourceLine(line: number): string | undefined;
  /** The policy's rule that a record's `rule` (`file:line:col`) names. */
  rule(id: string): RuleInfo | undefined;
}

async function sha256Of(file: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch {
    return undefined;
  }
}

/** Split `file:line:col` (the file may itself contain colons). */
export function parseRuleId(id: string): { file: string; line: number; col: number } | undefined {
  const match = /^(.+):(\d+):(\d+)$/.exec(id);
  return match ? { file: match[1]!, line: Number(match[2]), col: Number(match[3]) } : undefined;
}

/**
 * Load `file` for the viewer. Throws `E_POLICY_INVALID` (with every problem) when it is not a valid policy.
 *
 * @example
 * const info = await loadPolicyInfo('policies/default.yaml');
 * info.rule('policies/default.yaml:57:9')?.why
 */
export async function loadPolicyInfo(file: string): Promise<PolicyInfo> {
  const policy = await loadPolicyFile(file);
  const lines = (await readFile(file, 'utf8')).split('\n');
  const baseDir = path.dirname(path.resolve(file));
  const plugins = new Map<string, PluginIdentity>();
  for (const extension of policy.extensions.values()) {
    plugins.set(extension.id, {
      id: extension.id,
      sandbox: extension.sandbox,
      ...(extension.module ? { module: path.relative(baseDir, extension.module), current: await sha256Of(extension.module) } : {}),
      ...(extension.sha256 ? { pinned: extension.sha256 } : {}),
    });
  }
  const base = path.basename(file);
  return {
    policy,
    file,
    plugins,
    sourceLine: (line) => lines[line - 1]?.slice(0, 500),
    rule(id) {
      const exact = policy.rules.get(id);
      if (exact) return exact;
      // The kernel may have been given the same file under another spelling of its path.
      const at = parseRuleId(id);
      if (!at || path.basename(at.file) !== base) return undefined;
      return [...policy.rules.values()].find((rule) => rule.line === at.line && rule.col === at.col);
    },
  };
}
