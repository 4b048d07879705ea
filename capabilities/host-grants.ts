/**
 * Host grants: what an extension may touch outside the kernel (network hosts,
 * file paths, memory, time). Nothing is granted unless named here; the sandbox
 * adapters turn these into Extism limits or SES endowments.
 *
 * @module
 */
import { z } from 'zod';

/** A host name (`api.example.com`) or a subdomain wildcard (`*.example.com`). No schemes, no paths. */
export const HostPattern = z
  .string()
  .min(1)
  .max(253)
  .regex(
    /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/,
    'use a host name such as "api.example.com" or "*.example.com" (no scheme, no path)',
  );

export const FileGrant = z
  .object({
    /** A directory on the host, relative to the policy file's directory or absolute. */
    path: z.string().min(1).max(1024),
    mode: z.enum(['read', 'readwrite']).default('read'),
  })
  .strict();
export type FileGrant = z.output<typeof FileGrant>;

export const HostGrants = z
  .object({
    net: z.array(HostPattern).default([]),
    fs: z.array(FileGrant).default([]),
    memoryMb: z.number().int().min(1).max(4096).default(64),
    /** Deadline for one delivery to the extension when the caller sets none. */
    timeoutMs: z.number().int().min(1).max(600_000).default(5_000),
    /** Calls, publishes and delegations the extension may make per second. */
    maxCallsPerSecond: z.number().int().min(1).max(1_000_000).default(1_000),
    /** Wall clock and timers (`Date.now`, `setTimeout`); off by default, as in SES. */
    clock: z.boolean().default(false),
    /**
     * Messages the extension handles at once. 1 (the default) handles them one by
     * one in arrival order; an extension that waits on others while handling (e.g.
     * one that collects answers) needs more. Wasm plugins always take one at a time.
     */
    concurrency: z.number().int().min(1).max(256).default(1),
    /** Largest body, in bytes, the extension may send or receive. */
    maxBodyBytes: z.number().int().min(1).max(64 * 1024 * 1024).default(1024 * 1024),
  })
  .strict();
export type HostGrants = z.output<typeof HostGrants>;

/** The grants of an extension that was granted nothing on the host. */
export const NO_HOST_GRANTS: HostGrants = HostGrants.parse({});

/** Does `host` (lower-case, optional `:port`) match a host pattern? */
export function hostAllowed(patterns: readonly string[], host: string): boolean {
  const name = host.toLowerCase();
  return patterns.some((pattern) =>
    pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern,
  );
}
