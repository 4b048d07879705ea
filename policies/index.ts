/**
 * Policy files: the schema (zod, with a generated JSON Schema), the loader with
 * line:column errors, the compiler to capability grants, explanations, diffs
 * and hot reload. See docs/policies.md.
 *
 * @module
 */
export { EXTENSION_ID, Extension, ExtensionData, ExtensionId, Peer, POLICY_VERSION, PolicyFile, RULE_ACTIONS, Rule } from './schema.js';
export { MAX_POLICY_BYTES, loadPolicyFile, parsePolicy } from './load.js';
export type { ParsedPolicy } from './load.js';
export { compilePolicy } from './compile.js';
export type { CompiledExtension, CompiledPeer, CompiledPolicy, RuleInfo } from './compile.js';
export { PolicyInvalidError, formatProblem } from './problems.js';
export type { PolicyProblem } from './problems.js';
export type { PolicySource, Position } from './source.js';
export { explain } from './explain.js';
export type { ExplainQuery, Explanation } from './explain.js';
export { suggestRule } from './suggest.js';
export { diffPolicies } from './diff.js';
export type { ExtensionChange, PolicyDiff } from './diff.js';
export { watchPolicy } from './watch.js';
export type { PolicyWatcher, PolicyWatchHandlers, PolicyWatchOptions } from './watch.js';
export { POLICY_SCHEMA_PATH, policyJsonSchema, policyJsonSchemaText } from './json-schema.js';
export { canonicalJson, contentHash } from './canonical.js';
export { verifyModuleHash } from './verify-module.js';
