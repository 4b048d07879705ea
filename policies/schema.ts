/**
 * The policy file format, as one zod schema. The TypeScript types are inferred
 * from it and `policy.schema.json` (for editors) is generated from it, so the
 * three cannot drift apart.
 *
 * A policy names every extension the kernel may start, the sandbox it runs in,
 * its module, and what it may do: `allow` and `deny` rules (compiled to
 * capability grants) and `host` grants (files, network, memory, time).
 * Unknown keys are errors everywhere except inside `data`.
 *
 * @module
 */
import { z } from 'zod';
import { HostGrants, Pattern } from '../capabilities/index.js';

/** The format version this loader understands. */
export const POLICY_VERSION = 1;

/** The JSON Schema regex equivalent of `capabilities/pattern.ts` (editors only; the loader uses `patternProblem`). */
const PATTERN_REGEX = '^(\\*|[^*\\u0000-\\u0020\\u007f]+|[^*\\u0000-\\u0020\\u007f]*[/.:]\\*)$';

/** A pattern as the policy file writes it: a literal, `*`, or a prefix ending in `/*`, `.*` or `:*`. */
const PolicyPattern = Pattern.meta({
  description: 'A literal key ("reports/q3.json"), "*", or a prefix ending in "/*", ".*" or ":*".',
  pattern: PATTERN_REGEX,
  maxLength: 512,
});

/** Extension ids: lower-case, start with a letter, at most 64 characters. */
export const EXTENSION_ID = /^[a-z][a-z0-9._-]*$/;

export const ExtensionId = z
  .string()
  .max(64, { message: 'an extension id has at most 64 characters' })
  .regex(EXTENSION_ID, {
    message: 'an extension id starts with a lower-case letter and uses only a-z, 0-9, ".", "_" and "-"',
  });

const Why = z.string().min(1).max(500).meta({ description: 'Why the extension needs this; shown in denials and explanations.' });
const Ops = z.array(PolicyPattern).min(1, { message: 'list at least one op, or leave "ops" out to mean every op' });
const Resources = z
  .array(PolicyPattern)
  .min(1, { message: 'list at least one resource, or leave "resources" out to mean every resource' });

const CallRule = z
  .object({
    call: PolicyPattern.meta({ description: 'The target extension id, or a pattern of ids.' }),
    ops: Ops.optional().meta({ description: 'Operations on the target; default ["*"].' }),
    resources: Resources.optional().meta({ description: 'Resource keys; default ["*"].' }),
    why: Why.optional(),
  })
  .strict();
const PublishRule = z
  .object({ publish: PolicyPattern.meta({ description: 'A topic or topic prefix ("dag.*").' }), why: Why.optional() })
  .strict();
const SubscribeRule = z
  .object({ subscribe: PolicyPattern.meta({ description: 'A topic or topic prefix.' }), why: Why.optional() })
  .strict();
const DelegateRule = z
  .object({
    delegate: PolicyPattern.meta({ description: 'An extension this one may mint narrower tokens for.' }),
    why: Why.optional(),
  })
  .strict();

/** The four rule shapes in schema order; `RULE_ACTIONS[i]` is the key of `Rule.options[i]`. */
export const RULE_ACTIONS = ['call', 'publish', 'subscribe', 'delegate'] as const;

/**
 * One allow or deny entry: exactly one of `call`, `publish`, `subscribe`,
 * `delegate`, naming the target. Only `call` takes `ops` and `resources`
 * (events and delegations have neither).
 *
 * @example
 * Rule.parse({ call: 'artifacts', ops: ['get'], resources: ['reports/*'], why: 'read reports' })
 */
export const Rule = z.union([CallRule, PublishRule, SubscribeRule, DelegateRule]);
export type Rule = z.infer<typeof Rule>;

/** Free-form configuration handed to the extension at start: any JSON value. */
export const ExtensionData = z.record(z.string(), z.json());
export type ExtensionData = z.infer<typeof ExtensionData>;

/**
 * One extension: how to run it and what it may do.
 *
 * @example
 * Extension.parse({ sandbox: 'worker', module: '../dist/x.js', why: 'demo', allow: [{ publish: 'x.*' }] })
 */
export const Extension = z
  .object({
    sandbox: z.enum(['worker', 'wasm', 'host']).meta({
      description: 'worker: worker_threads + SES; wasm: Extism plugin; host: a trusted in-process principal (the operator\'s command line, an embedding application) with no module, whose requests are checked and audited like any other.',
    }),
    module: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .meta({ description: 'The module file, relative to this policy file (or absolute). Required for worker and wasm; absent for host.' }),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { message: 'a sha256 is 64 lower-case hex characters (run: sha256sum <module>)' })
      .optional()
      .meta({ description: 'The module file\'s sha256 (required for wasm); the kernel refuses a file that differs.' }),
    why: Why.meta({ description: 'What this extension is for.' }),
    allow: z.array(Rule).default([]).meta({ description: 'What the extension may do. Anything unmentioned is denied.' }),
    deny: z.array(Rule).default([]).meta({ description: 'Exceptions to allow; a deny always wins.' }),
    host: HostGrants.optional().meta({ description: 'Host resources: fs, net, memory, time, rate and size limits.' }),
    data: ExtensionData.optional().meta({ description: 'Free-form configuration passed to the extension at start.' }),
  })
  .strict();
export type Extension = z.infer<typeof Extension>;

/** A JWKS written inline: the output of `nanokernel keys jwks` on the peer's host. */
const InlineJwks = z
  .object({ keys: z.array(z.record(z.string(), z.json())).min(1, { message: 'a JWKS needs at least one key' }) })
  .strict();

/**
 * Another kernel this one federates with: its public keys, what its extensions
 * may ask of ours, and which of its extensions ours may address.
 *
 * @example
 * Peer.parse({ jwks: './kernel-b.jwks.json', why: 'the build farm', extensions: ['compiler'], allow: [{ call: 'reports', ops: ['get'] }] })
 */
export const Peer = z
  .object({
    jwks: z
      .union([z.string().min(1).max(1024), InlineJwks])
      .meta({ description: 'The peer kernel\'s public keys: a JWKS file (relative to this policy file) or the JWKS inline. Its tokens verify only against these.' }),
    why: Why.meta({ description: 'Why this kernel trusts that one.' }),
    extensions: z
      .array(ExtensionId)
      .default([])
      .meta({ description: 'Extensions of the peer that extensions here may call, by id (each becomes a local proxy; grant calls to it as usual).' }),
    topics: z
      .array(PolicyPattern)
      .default([])
      .meta({ description: 'Local topics whose events are forwarded to the peer (the peer still decides who receives them).' }),
    allow: z.array(Rule).default([]).meta({ description: 'What the peer\'s extensions may ask of this kernel (call and publish rules). Both this and the caller\'s token must allow.' }),
    deny: z.array(Rule).default([]).meta({ description: 'Exceptions to allow; a deny always wins.' }),
    revocationGraceMs: z
      .number()
      .int()
      .min(100)
      .max(86_400_000)
      .default(5_000)
      .meta({ description: 'Refuse the peer\'s tokens once no revocation list from it is newer than this (fail closed). Default 5000.' }),
  })
  .strict();
export type Peer = z.infer<typeof Peer>;

/**
 * A whole policy file.
 *
 * @example
 * PolicyFile.parse({ version: 1, extensions: {} })
 */
export const PolicyFile = z
  .object({
    version: z.literal(POLICY_VERSION, { message: `version must be ${POLICY_VERSION}, the only format this kernel reads` }),
    extensions: z
      .record(ExtensionId, Extension)
      .meta({ description: 'Every extension the kernel may start, by id.' }),
    peers: z
      .record(ExtensionId, Peer)
      .optional()
      .meta({ description: 'Other kernels this one federates with over NATS, by kernel id (see docs/federation.md).' }),
  })
  .strict()
  .meta({ title: 'nanokernel policy', description: 'Which extensions run, in which sandbox, allowed to do what.' });
export type PolicyFile = z.infer<typeof PolicyFile>;
