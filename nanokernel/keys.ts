/**
 * The kernel's signing keys: Ed25519 pairs made with jose, kept in a key file
 * that only its owner may read. Rotation makes a new signing key and keeps the
 * old public key until every token it signed has expired.
 *
 * @module
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import { KernelError } from './errors.js';

type KeyObject = import("node:crypto").webcrypto.CryptoKey;

const Jwk = z.record(z.string(), z.unknown());
const StoredKey = z
  .object({
    kid: z.string().min(1),
    created: z.number().int(),
    /** Set once the key stops signing; its public half verifies until `validUntil`. */
    retired: z.number().int().optional(),
    validUntil: z.number().int().optional(),
    publicJwk: Jwk,
    privateJwk: Jwk.optional(),
  })
  .strict();
const KeyFile = z.object({ version: z.literal(1), keys: z.array(StoredKey).min(1) }).strict();
type StoredKey = z.infer<typeof StoredKey>;

interface LoadedKey {
  readonly stored: StoredKey;
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject | undefined;
}

async function load(stored: StoredKey): Promise<LoadedKey> {
  const publicKey = (await importJWK(stored.publicJwk as JWK, 'EdDSA')) as KeyObject;
  const privateKey = stored.privateJwk ? ((await importJWK(stored.privateJwk as JWK, 'EdDSA')) as KeyObject) : undefined;
  return { stored, publicKey, privateKey };
}

async function newKey(now: number): Promise<LoadedKey> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return load({ kid, created: now, publicJwk: { ...publicJwk, kid, alg: 'EdDSA', use: 'sig' }, privateJwk });
}

/** Refuse a key file that anyone but its owner can read or write. */
function assertPrivate(file: string): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new KernelError('E_TOKEN_INVALID', `key file ${file} is readable by other users (mode ${mode.toString(8)})`, {
      facts: { file, mode: mode.toString(8) },
      hint: `run "chmod 600 ${file}" so only its owner can read the signing key`,
    });
  }
}

/**
 * The kernel's key ring: one signing key, and the public halves of retired keys
 * whose tokens may still be live.
 *
 * @example
 * const keys = await KeyRing.open('.nanokernel/keys.json');
 * const jwks = keys.jwks();
 */
export class KeyRing {
  readonly #file: string | undefined;
  #keys: LoadedKey[];
  readonly #clock: () => number;

  private constructor(file: string | undefined, keys: LoadedKey[], clock: () => number) {
    this.#file = file;
    this.#keys = keys;
    this.#clock = clock;
  }

  /** Keys that live only in memory (tests, benchmarks, `plugin run`). */
  static async ephemeral(clock: () => number = Date.now): Promise<KeyRing> {
    return new KeyRing(undefined, [await newKey(clock())], clock);
  }

  /** Open the key file, creating it with mode 0600 (and its directory with 0700) when missing. */
  static async open(file: string, clock: () => number = Date.now): Promise<KeyRing> {
    if (!existsSync(file)) {
      const ring = new KeyRing(file, [await newKey(clock())], clock);
      ring.#save();
      return ring;
    }
    assertPrivate(file);
    let parsed: z.infer<typeof KeyFile>;
    try {
      parsed = KeyFile.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (cause) {
      throw new KernelError('E_TOKEN_INVALID', `key file ${file} is not a nanokernel key file`, {
        cause,
        facts: { file },
        hint: 'restore it from backup, or move it away and run "nanokernel keys init" (tokens it signed stop verifying)',
      });
    }
    const keys = await Promise.all(parsed.keys.map(load));
    if (!keys[0]?.privateKey) throw new KernelError('E_TOKEN_INVALID', `key file ${file} has no signing key`, { facts: { file } });
    return new KeyRing(file, keys, clock);
  }

  /** The key new tokens are signed with. */
  get signing(): { readonly kid: string; readonly privateKey: KeyObject } {
    const active = this.#keys[0]!;
    return { kid: active.stored.kid, privateKey: active.privateKey! };
  }

  /** The public key for `kid`, if it is ours and still within its validity. */
  publicKey(kid: string): KeyObject | undefined {
    const now = this.#clock();
    const found = this.#keys.find((key) => key.stored.kid === kid);
    if (!found) return undefined;
    if (found.stored.validUntil !== undefined && found.stored.validUntil <= now) return undefined;
    return found.publicKey;
  }

  /** Public keys as a JWKS document, for any JOSE library to check our tokens. */
  jwks(): { keys: JWK[] } {
    const now = this.#clock();
    return {
      keys: this.#keys
        .filter((key) => key.stored.validUntil === undefined || key.stored.validUntil > now)
        .map((key) => ({ ...(key.stored.publicJwk as JWK) })),
    };
  }

  /**
   * Make a new signing key. The old key signs no more; its public half stays in
   * the JWKS for `maxTokenTtlSeconds`, so tokens it signed verify until they expire.
   */
  async rotate(maxTokenTtlSeconds: number): Promise<string> {
    const now = this.#clock();
    const fresh = await newKey(now);
    const kept = this.#keys
      .map((key, index): LoadedKey => {
        if (index !== 0) return key;
        const { privateJwk: _dropped, ...rest } = key.stored;
        return { stored: { ...rest, retired: now, validUntil: now + maxTokenTtlSeconds * 1000 }, publicKey: key.publicKey, privateKey: undefined };
      })
      .filter((key) => key.stored.validUntil === undefined || key.stored.validUntil > now);
    this.#keys = [fresh, ...kept];
    this.#save();
    return fresh.stored.kid;
  }

  #save(): void {
    if (!this.#file) return;
    mkdirSync(path.dirname(this.#file), { recursive: true, mode: 0o700 });
    const temp = `${this.#file}.${process.pid}.tmp`;
    const body: z.infer<typeof KeyFile> = { version: 1, keys: this.#keys.map((key) => key.stored) };
    writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temp, 0o600);
    renameSync(temp, this.#file);
  }
}
