/**
 * The store's settings, from the policy's `data:` for the extension.
 *
 * @module
 */
import { KernelError, z } from '../sdk/worker/index.js';

export const StoreConfig = z
  .object({
    /** Largest blob, in bytes (decoded), a `put` may store. */
    maxBlobBytes: z.number().int().min(1).max(64 * 1024 * 1024).default(1024 * 1024),
  })
  .strict();
export type StoreConfig = z.infer<typeof StoreConfig>;

/** Parse `data`; a bad value fails the start with `E_POLICY_INVALID` naming the field. */
export function parseConfig(data: unknown): StoreConfig {
  const result = StoreConfig.safeParse(data ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(data)';
  throw new KernelError('E_POLICY_INVALID', `artifacts data.${field}: ${issue.message}; fix extensions.artifacts.data in the policy`, {
    facts: { field },
    hint: 'fix extensions.artifacts.data in the policy (allowed: maxBlobBytes, an integer from 1 to 67108864)',
  });
}
