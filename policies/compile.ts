/**
 * Compile a validated policy into what the kernel uses: per extension its
 * capability grants (each carrying the `rule` id `<file>:<line>:<col>` of the
 * entry it came from and the entry's `why`), host grants with absolute paths,
 * and free-form data; plus a rules index and a content hash.
 *
 * @module
 */
import { resolve } from 'node:path';
import { Grant, HostGrants, NO_HOST_GRANTS, type Action } from '../capabilities/index.js';
import { contentHash } from './canonical.js';
import { POLICY_VERSION, type ExtensionData, type Peer, type PolicyFile, type Rule } from './schema.js';
import type { PolicySource } from './source.js';

/** Where one allow or deny entry is, and what it says. */
export interface RuleInfo {
  /** `<file>:<line>:<col>`, the `rule` of the grant compiled from this entry. */
  readonly id: string;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly why: string | undefined;
  readonly extension: string;
  readonly effect: 'allow' | 'deny';
  readonly action: Action;
}

/** One extension, ready to start: everything is resolved and frozen. */
export interface CompiledExtension {
  readonly id: string;
  readonly sandbox: 'worker' | 'wasm' | 'host';
  /** Absolute path of the module file (`undefined` for a host principal). */
  readonly module: string | undefined;
  /** The module's required sha256 (always set for wasm). */
  readonly sha256: string | undefined;
  readonly why: string;
  /** Allows first, then denies, in file order. Deny wins whatever the order. */
  readonly grants: readonly Grant[];
  /** Host grants with every `fs` path made absolute. */
  readonly host: HostGrants;
  readonly data: Readonly<ExtensionData>;
}

/** A peer kernel, ready to trust: where its keys are, and its grants here. */
export interface CompiledPeer {
  /** The peer's kernel id: the issuer of its tokens. */
  readonly id: string;
  /** An absolute JWKS file path, or the JWKS itself. */
  readonly jwks: string | { readonly keys: readonly Readonly<Record<string, unknown>>[] };
  readonly why: string;
  /** The peer's extensions reachable from here (proxied under their own ids). */
  readonly extensions: readonly string[];
  /** Local topics forwarded to the peer. */
  readonly topics: readonly string[];
  /** What the peer's extensions may ask of this kernel, allows then denies. */
  readonly grants: readonly Grant[];
  readonly revocationGraceMs: number;
}

/** A policy the kernel can enforce. */
export interface CompiledPolicy {
  /** The file name as given to the loader. */
  readonly file: string;
  readonly version: typeof POLICY_VERSION;
  /**
   * sha256 of the canonical JSON of every extension's sandbox, module, hash,
   * grants (without their `rule` positions), host grants and data: it changes
   * when what the policy grants changes, never for comments or formatting.
   */
  readonly hash: string;
  /** By id, in file order. */
  readonly extensions: ReadonlyMap<string, CompiledExtension>;
  /** Every allow and deny entry, by rule id. */
  readonly rules: ReadonlyMap<string, RuleInfo>;
  /** Peer kernels by id, in file order (empty without `peers:`). */
  readonly peers: ReadonlyMap<string, CompiledPeer>;
}

function ruleToGrant(rule: Rule, effect: 'allow' | 'deny', ruleId: string): Grant {
  let grant: Grant;
  if ('call' in rule) {
    grant = Grant.parse({ effect, action: 'call', to: rule.call, ops: rule.ops, resources: rule.resources, rule: ruleId, why: rule.why });
  } else {
    const [action, to] = 'publish' in rule ? (['publish', rule.publish] as const)
      : 'subscribe' in rule ? (['subscribe', rule.subscribe] as const)
      : (['delegate', rule.delegate] as const);
    grant = Grant.parse({ effect, action, to, rule: ruleId, why: rule.why });
  }
  Object.freeze(grant.ops);
  Object.freeze(grant.resources);
  return Object.freeze(grant);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** The part of a grant the hash covers: what it grants, not where it was written. */
function grantContent(grant: Grant): unknown {
  return { effect: grant.effect, action: grant.action, to: grant.to, ops: grant.ops, resources: grant.resources, why: grant.why };
}

/**
 * Compile a parsed policy.
 *
 * @example
 * const { policy, source } = parsePolicy(text, 'policies/default.yaml');
 * const compiled = compilePolicy(policy, source);
 * compiled.extensions.get('dag')?.grants[0]?.rule // 'policies/default.yaml:31:9'
 */
export function compilePolicy(policy: PolicyFile, source: PolicySource): CompiledPolicy {
  const extensions = new Map<string, CompiledExtension>();
  const rules = new Map<string, RuleInfo>();
  for (const [id, spec] of Object.entries(policy.extensions)) {
    const grants: Grant[] = [];
    for (const effect of ['allow', 'deny'] as const) {
      spec[effect].forEach((rule, index) => {
        const { line, col } = source.position(['extensions', id, effect, index]);
        const ruleId = `${source.file}:${line}:${col}`;
        const grant = ruleToGrant(rule, effect, ruleId);
        grants.push(grant);
        rules.set(ruleId, Object.freeze({ id: ruleId, file: source.file, line, col, why: rule.why, extension: id, effect, action: grant.action }));
      });
    }
    const host = HostGrants.parse(spec.host ?? NO_HOST_GRANTS);
    host.fs = host.fs.map((entry) => ({ ...entry, path: resolve(source.baseDir, entry.path) }));
    extensions.set(id, Object.freeze({
      id,
      sandbox: spec.sandbox,
      module: spec.module === undefined ? undefined : resolve(source.baseDir, spec.module),
      sha256: spec.sha256,
      why: spec.why,
      grants: Object.freeze(grants),
      host: deepFreeze(host),
      data: deepFreeze(structuredClone(spec.data ?? {})),
    }));
  }
  const peers = compilePeers(policy.peers ?? {}, source);
  const content = [...extensions.values()]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((extension) => ({ ...extension, grants: extension.grants.map(grantContent) }));
  const peerContent = [...peers.values()].map((peer) => ({ ...peer, grants: peer.grants.map(grantContent) }));
  const hash = contentHash({ version: policy.version, extensions: content, ...(peers.size > 0 ? { peers: peerContent } : {}) });
  return Object.freeze({ file: source.file, version: policy.version, hash, extensions, rules, peers });
}

function compilePeers(peers: Readonly<Record<string, Peer>>, source: PolicySource): Map<string, CompiledPeer> {
  const compiled = new Map<string, CompiledPeer>();
  for (const [id, spec] of Object.entries(peers)) {
    const grants: Grant[] = [];
    for (const effect of ['allow', 'deny'] as const) {
      spec[effect].forEach((rule, index) => {
        const { line, col } = source.position(['peers', id, effect, index]);
        grants.push(ruleToGrant(rule, effect, `${source.file}:${line}:${col}`));
      });
    }
    compiled.set(id, deepFreeze({
      id,
      jwks: typeof spec.jwks === 'string' ? resolve(source.baseDir, spec.jwks) : structuredClone(spec.jwks),
      why: spec.why,
      extensions: [...spec.extensions],
      topics: [...spec.topics],
      grants,
      revocationGraceMs: spec.revocationGraceMs,
    }));
  }
  return compiled;
}
