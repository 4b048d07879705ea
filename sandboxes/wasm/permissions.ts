/**
 * The `nanokernel.permissions` custom section: what a plugin says it needs and
 * why. It is a claim for people and tools (`plugin inspect`), never a grant: the
 * policy decides. The build script embeds `permissions.json` from the plugin's
 * directory; any Extism toolchain can add the section (docs/plugin-abi.md).
 *
 * @module
 */
import { z } from 'zod';
import { Grant, HostGrants } from '../../capabilities/index.js';
import { KernelError } from '../../nanokernel/errors.js';

export const PERMISSIONS_SECTION = 'nanokernel.permissions';

/** The section's JSON: grants in the policy's own shape, each with an optional `why`. */
export const PluginPermissions = z
  .object({
    version: z.literal(1),
    description: z.string().max(1000).optional(),
    grants: z.array(Grant).max(256).default([]),
    host: HostGrants.partial().default({}),
    why: z.string().max(2000).optional(),
  })
  .strict();
export type PluginPermissions = z.output<typeof PluginPermissions>;

/**
 * Read the permissions a compiled module declares; `null` when it has none.
 * Throws `E_POLICY_INVALID` when the section is present but malformed.
 *
 * @example
 * const declared = readPluginPermissions(await WebAssembly.compile(bytes));
 */
export function readPluginPermissions(module: WebAssembly.Module): PluginPermissions | null {
  const sections = WebAssembly.Module.customSections(module, PERMISSIONS_SECTION);
  if (sections.length === 0) return null;
  if (sections.length > 1) throw invalid(`the module has ${sections.length} ${PERMISSIONS_SECTION} sections; keep one`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(sections[0]!));
  } catch {
    throw invalid(`the ${PERMISSIONS_SECTION} section is not UTF-8 JSON`);
  }
  const parsed = PluginPermissions.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`${PERMISSIONS_SECTION} field "${issue.path.join('.') || '(root)'}": ${issue.message}`);
  }
  return parsed.data;
}

function invalid(message: string): KernelError {
  return new KernelError('E_POLICY_INVALID', message, { hint: 'fix permissions.json next to the plugin and rebuild (docs/plugin-abi.md)' });
}
