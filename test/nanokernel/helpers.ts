import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Kernel, type KernelOptions } from '../../nanokernel/index.js';

export function tempDir(prefix = 'nk-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A kernel writing its audit log to a fresh temp file, quiet operator log. */
export async function startKernel(options: Partial<KernelOptions> = {}): Promise<Kernel> {
  return Kernel.start({ auditFile: path.join(tempDir(), 'audit.log'), auditSync: true, logger: pino({ level: 'silent' }), ...options });
}

/** Every record in an audit file, parsed. */
export function readAudit(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Resolve with the rejection of `promise` (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string; facts: Record<string, unknown>; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; facts: Record<string, unknown> };
  }
  throw new Error('expected a rejection, but the promise resolved');
}
