/**
 * Capability tokens: jose EdDSA sign and verify (the peer: what any JOSE user
 * pays per token) against our hot path, `TokenService.verify` on a token that
 * was verified before (cache hit: subject check, expiry, lineage revocation)
 * plus `check`; and the cost of minting a root token and a delegated one
 * (subset check against the parent, sign, compile the child's matcher).
 *
 * @module
 */
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { parseGrants } from '../capabilities/index.js';
import { KeyRing, TokenService } from '../nanokernel/index.js';
import { byName, measure, row, type BenchFile } from './harness.js';

const GRANTS = parseGrants([
  { action: 'call', to: 'artifacts', ops: ['get', 'put', 'stat', 'list'], resources: ['reports/*', 'inputs/*'] },
  { action: 'call', to: 'pool', ops: ['lease', 'renew', 'release'] },
  { action: 'publish', to: 'dag.*' },
  { action: 'delegate', to: 'wordcount' },
  { effect: 'deny', action: 'call', to: 'pool', ops: ['sweep'] },
]);
const CHILD = [{ action: 'call', to: 'artifacts', ops: ['get'], resources: ['reports/q3.json'] }];

const run: BenchFile = async (options) => {
  const keys = await KeyRing.ephemeral();
  const tokens = new TokenService(keys, { issuer: 'bench', audience: 'nanokernel' });
  const { token, verified } = await tokens.mint('dag', GRANTS, 3_600);
  const { kid, privateKey } = keys.signing;
  const publicKey = keys.publicKey(kid)!;
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const nodeKey = publicKey as unknown as KeyObject;
  const signed = Buffer.from(`${header}.${payload}`);
  const signatureBytes = Buffer.from(signature, 'base64url');
  if ((await tokens.verify(token, 'dag')).jti !== verified.jti || !cryptoVerify(null, signed, nodeKey, signatureBytes)) throw new Error('tokens bench: the token does not verify');
  const claims = { nk: { grants: GRANTS, chain: [], depth: 0 } };
  const now = Math.floor(Date.now() / 1_000);
  const joseSign = () =>
    new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' }).setIssuer('bench').setSubject('dag').setAudience('nanokernel').setIssuedAt(now).setExpirationTime(now + 3_600).setJti(crypto.randomUUID()).sign(privateKey);

  const before = tokens.signatureChecks;
  const [cached] = await measure(options, { 'ours: TokenService.verify (cached) + check': async () => tokens.check(await tokens.verify(token, 'dag')) }, 100);
  if (tokens.signatureChecks !== before) throw new Error('tokens bench: the cached path checked a signature');
  const [checkOnly] = await measure(options, { 'ours: check alone (expiry + lineage revocation)': () => tokens.check(verified) }, 1_000);
  const timed = await measure(options, {
    'jose jwtVerify EdDSA': () => jwtVerify(token, publicKey, { algorithms: ['EdDSA'], issuer: 'bench', audience: 'nanokernel' }),
    'node:crypto Ed25519 verify (signature only)': () => cryptoVerify(null, signed, nodeKey, signatureBytes),
    'jose SignJWT EdDSA': joseSign,
    'ours: mint root token': () => tokens.mint('dag', GRANTS, 3_600),
    'ours: delegate (subset check + sign + compile)': () => tokens.delegate(verified, CHILD, 600, 'wordcount'),
  });
  const joseVerify = byName(timed, 'jose jwtVerify EdDSA');
  const nodeVerify = byName(timed, 'node:crypto Ed25519 verify (signature only)');
  const joseSignM = byName(timed, 'jose SignJWT EdDSA');
  const mint = byName(timed, 'ours: mint root token');
  const delegate = byName(timed, 'ours: delegate (subset check + sign + compile)');
  return {
    title: 'Capability tokens: cached check vs jose EdDSA',
    rows: [
      row(cached!, joseVerify, `the per-message token cost: a cache hit is ${(joseVerify.medianNs / cached!.medianNs).toFixed(0)}× cheaper than verifying the signature every time`),
      row(checkOnly!, joseVerify, 'the check alone, what the dispatcher runs on the token an endpoint already holds'),
      row(joseVerify, nodeVerify, "jose's verify vs the bare Ed25519 signature check it wraps (what a cache miss costs at least)"),
      row(mint, joseSignM, 'minting a root token: jose sign plus claim validation (zod) and compiling the matcher, once per extension start'),
      row(delegate, joseSignM, 'a delegated token: subset check against the parent, sign, compile; once per task, not per message'),
    ],
    facts: { 'signature checks during the cached runs': tokens.signatureChecks - before },
  };
};
export default run;
