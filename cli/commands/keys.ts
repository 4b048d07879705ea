/**
 * `nanokernel keys init|rotate|jwks` — the kernel's signing keys.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { KernelError, KeyRing } from '../../nanokernel/index.js';
import { flag, parse, str, subcommand } from '../args.js';
import { EXIT_OK, EXIT_USAGE, UsageError, emit, type Io } from '../output.js';

export const DEFAULT_KEY_FILE = '.nanokernel/keys.json';

export const KEYS_USAGE = `nanokernel keys <init|rotate|jwks> [--file ${DEFAULT_KEY_FILE}]

  init     create the key file (mode 0600) if it does not exist
  rotate   make a new signing key; the old public key stays valid for --grace (default 24h in seconds: 86400)
  jwks     print the public keys as a JWKS document (for any JOSE library)

examples:
  nanokernel keys init
  nanokernel keys rotate --grace 3600
  nanokernel keys jwks > jwks.json`;

export async function keysCommand(io: Io, args: readonly string[]): Promise<number> {
  const { sub, rest } = subcommand(args);
  const parsed = parse(rest, { file: { type: 'string' }, grace: { type: 'string' } });
  if (flag(parsed, 'help') || sub === undefined) {
    io.out(KEYS_USAGE);
    return flag(parsed, 'help') ? EXIT_OK : EXIT_USAGE;
  }
  const file = str(parsed, 'file') ?? DEFAULT_KEY_FILE;
  switch (sub) {
    case 'init': {
      const existed = existsSync(file);
      const keys = await KeyRing.open(file);
      emit(io, { file, kid: keys.signing.kid, created: !existed }, (r) => `${r.created ? 'created' : 'exists'}: ${r.file} (signing key ${r.kid})`);
      return EXIT_OK;
    }
    case 'rotate': {
      if (!existsSync(file)) throw new KernelError('E_TOKEN_INVALID', `no key file at ${file}`, { facts: { file }, hint: 'run "nanokernel keys init" first' });
      const grace = Number(str(parsed, 'grace') ?? '86400');
      if (!Number.isInteger(grace) || grace < 0) throw new UsageError('--grace is a whole number of seconds');
      const keys = await KeyRing.open(file);
      const previous = keys.signing.kid;
      const kid = await keys.rotate(grace);
      emit(io, { file, kid, previous, graceSeconds: grace }, (r) => `rotated: signing key ${r.kid}; ${r.previous} verifies for ${r.graceSeconds} s more`);
      return EXIT_OK;
    }
    case 'jwks': {
      if (!existsSync(file)) throw new KernelError('E_TOKEN_INVALID', `no key file at ${file}`, { facts: { file }, hint: 'run "nanokernel keys init" first' });
      const keys = await KeyRing.open(file);
      io.out(JSON.stringify(keys.jwks(), null, io.json ? 0 : 2));
      return EXIT_OK;
    }
    default:
      throw new UsageError(`unknown keys command "${sub}"`);
  }
}
