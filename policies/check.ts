/**
 * Checks the schema cannot express: duplicate keys (with where the first one
 * is), call and delegate targets that name no extension of the policy, wasm
 * extensions without a module hash, module files of the wrong kind, and
 * `__proto__` keys.
 *
 * @module
 */
import { isPair, isSeq, visit, type Document, type Node } from 'yaml';
import { isPrefixPattern } from '../capabilities/index.js';
import { closest, formatPath, type PolicyProblem } from './problems.js';
import type { PolicyFile, Rule } from './schema.js';
import { keyText, type PolicySource } from './source.js';

/**
 * Keys set twice in one mapping (reported at the second occurrence, with the
 * line of the first), and `__proto__` keys anywhere (they would reshape objects
 * in the extension that reads them). Run on a document parsed with `uniqueKeys: false`.
 */
export function keyProblems(
  doc: Document,
  source: PolicySource,
  offsetToPosition: (offset: number) => { line: number; col: number },
): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  visit(doc, {
    Map(_key, map, ancestors) {
      const seen = new Set<string>();
      const mapPath = pathOf(ancestors, map);
      for (const pair of map.items) {
        if (!isPair(pair)) continue;
        const key = keyText(pair.key);
        if (key === '__proto__') {
          const { line, col } = source.position([...mapPath, key], true);
          problems.push({ file: source.file, line, col, path: formatPath([...mapPath, key]), message: 'the key "__proto__" is not allowed; rename it' });
          continue;
        }
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        // `position` scans pairs in order, so it finds the first occurrence.
        const firstLine = source.position([...mapPath, key], true).line;
        const range = (pair.key as Node | null)?.range;
        const { line, col } = range ? offsetToPosition(range[0]) : source.position(mapPath);
        const what = mapPath.length === 1 && mapPath[0] === 'extensions' ? 'extension id' : 'key';
        problems.push({
          file: source.file,
          line,
          col,
          path: formatPath([...mapPath, key]),
          message: `duplicate ${what} "${key}"; it is already set at line ${firstLine}: keep one and merge them`,
        });
      }
    },
  });
  return problems;
}

/** The document path of a node, from `visit`'s ancestor list. */
function pathOf(ancestors: readonly unknown[], node: unknown): PropertyKey[] {
  const path: PropertyKey[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i];
    const child = chain[i + 1];
    if (isPair(parent)) {
      if (parent.value === child) path.push(keyText(parent.key));
    } else if (isSeq(parent)) {
      path.push(parent.items.indexOf(child as never));
    }
  }
  return path;
}

function targetOf(rule: Rule): { action: 'call' | 'delegate'; target: string } | undefined {
  if ('call' in rule) return { action: 'call', target: rule.call };
  if ('delegate' in rule) return { action: 'delegate', target: rule.delegate };
  return undefined;
}

/**
 * Cross-field checks on a policy that passed the schema.
 *
 * @example
 * const problems = semanticProblems(policy, source); // [] when the policy is usable
 */
export function semanticProblems(policy: PolicyFile, source: PolicySource): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const add = (path: PropertyKey[], message: string): void => {
    const { line, col } = source.position(path);
    problems.push({ file: source.file, line, col, path: formatPath(path), message });
  };
  const local = Object.keys(policy.extensions);
  const ids = [...local, ...Object.values(policy.peers ?? {}).flatMap((peer) => peer.extensions)];
  peerProblems(policy, local, add);
  for (const [id, extension] of Object.entries(policy.extensions)) {
    const base = ['extensions', id];
    if (extension.sandbox === 'host') {
      if (extension.module !== undefined) add([...base, 'module'], 'a host principal runs in the kernel\'s process and has no module; remove "module:"');
      if (extension.sha256 !== undefined) add([...base, 'sha256'], 'a host principal has no module to hash; remove "sha256:"');
    } else if (extension.module === undefined) {
      add([...base, 'sandbox'], `a ${extension.sandbox} extension needs "module:", the file it runs`);
    }
    if (extension.sandbox === 'wasm' && extension.sha256 === undefined) {
      add([...base, 'sandbox'], `a wasm extension needs "sha256:", the sha256 of its module; run: sha256sum ${extension.module ?? '<module>'}`);
    }
    const wantsWasm = extension.sandbox === 'wasm';
    if (extension.module !== undefined && (wantsWasm !== extension.module.endsWith('.wasm') || (!wantsWasm && !/\.(m?js|cjs)$/.test(extension.module)))) {
      add([...base, 'module'], wantsWasm
        ? `a wasm extension's module is a ".wasm" file; found "${extension.module}"`
        : `a worker extension's module is a ".js" or ".mjs" file; found "${extension.module}"`);
    }
    for (const effect of ['allow', 'deny'] as const) {
      extension[effect].forEach((rule, index) => {
        const named = targetOf(rule);
        if (!named || isPrefixPattern(named.target) || ids.includes(named.target)) return;
        const guess = closest(named.target, ids);
        add(
          [...base, effect, index, named.action],
          `${named.action} target "${named.target}" is not an extension of this policy; ` +
            (guess ? `did you mean "${guess}"?` : `define it under "extensions:" (or a peer's "extensions:") or use one of: ${ids.join(', ')}`),
        );
      });
    }
  }
  return problems;
}

/**
 * Peers: a remote extension may not shadow a local one or be offered by two peers;
 * peer rules may only call or publish (a remote principal neither subscribes nor
 * delegates here), and a literal call target must be a local extension.
 */
function peerProblems(policy: PolicyFile, local: readonly string[], add: (path: PropertyKey[], message: string) => void): void {
  const offeredBy = new Map<string, string>();
  for (const [peerId, peer] of Object.entries(policy.peers ?? {})) {
    peer.extensions.forEach((name, index) => {
      const path = ['peers', peerId, 'extensions', index];
      if (local.includes(name)) add(path, `"${name}" is an extension of this policy; a peer's extension cannot share its id (rename one)`);
      else if (offeredBy.has(name)) add(path, `"${name}" is already reached through peer "${offeredBy.get(name)}"; an extension id names one target`);
      else offeredBy.set(name, peerId);
    });
    for (const effect of ['allow', 'deny'] as const) {
      peer[effect].forEach((rule, index) => {
        const path = ['peers', peerId, effect, index];
        if ('subscribe' in rule || 'delegate' in rule) {
          add([...path, 'subscribe' in rule ? 'subscribe' : 'delegate'], 'a peer\'s rules may only "call" or "publish": remote extensions receive events through the peer\'s own policy and cannot delegate here');
        } else if ('call' in rule && !isPrefixPattern(rule.call) && !local.includes(rule.call)) {
          const guess = closest(rule.call, local);
          add([...path, 'call'], `call target "${rule.call}" is not an extension of this policy; ${guess ? `did you mean "${guess}"?` : 'a peer may only call extensions that run here'}`);
        }
      });
    }
  }
}
