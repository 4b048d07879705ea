/**
 * Records a real audit log for the viewer's tests: the real kernel
 * (`ExtensionHost`) runs the example worker extensions `greeter` and
 * `uppercase` from dist/ under a small policy, and a host principal makes an
 * allowed nested call, a call a deny rule refuses (with its why), a call the
 * default denies, one with a hostile op name, and a delegation.
 * Needs `npm run build:ts` first.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ExtensionHost } from '../../../cli/runtime/host.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const HOSTILE_OP = '<img src=x onerror=alert(1)>';

const worker = (name: string) => path.join(ROOT, 'dist', 'examples', 'workers', name, 'index.js');

/** The policy under test; the deny rule for `secret/*` is at line 19. */
export const policyText = () => `version: 1
extensions:
  operator:
    sandbox: host
    why: the test's command line
    allow:
      - call: greeter
        ops: [greet]
        why: ask for greetings
      - call: uppercase
        ops: [upper]
        why: shout directly
      - delegate: greeter
        why: hand greeter a narrower token
    deny:
      - call: uppercase
        resources: ["secret/*"]
        why: secrets are never shouted
  greeter:
    sandbox: worker
    module: ${JSON.stringify(worker('greeter'))}
    why: example greeter
    allow:
      - call: uppercase
        ops: [upper]
        why: greeter shouts through uppercase
  uppercase:
    sandbox: worker
    module: ${JSON.stringify(worker('uppercase'))}
    why: example upper-caser
`;
/** Line and column of the deny rule's entry in `policyText`. */
export const DENY_RULE_AT = { line: 16, col: 9 };

export interface RecordedLog {
  readonly dir: string;
  readonly policyFile: string;
  readonly auditFile: string;
  /** The raw lines of the log. */
  lines(): string[];
  cleanup(): void;
}

async function expectRejection(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as { code?: string },
  );
  if (error?.code !== code) throw new Error(`expected ${code}, got ${error === undefined ? 'success' : String(error.code)}`);
}

/** Boot the kernel, make the calls, stop it: the log on disk is complete and verifies. */
export async function recordLog(): Promise<RecordedLog> {
  const dir = mkdtempSync(path.join(tmpdir(), 'audit-viewer-'));
  const policyFile = path.join(dir, 'policy.yaml');
  const auditFile = path.join(dir, 'audit.log');
  writeFileSync(policyFile, policyText());
  const host = await ExtensionHost.start({ policyFile, auditFile, auditSync: true, logger: pino({ level: 'silent' }) });
  try {
    const operator = await host.principal('operator');
    const reply = (await operator.call('greeter', 'greet', '', { name: 'ada', shout: true })) as { greeting?: string };
    if (reply.greeting !== 'HELLO, ADA') throw new Error(`unexpected reply ${JSON.stringify(reply)}`);
    await expectRejection(operator.call('uppercase', 'upper', 'secret/plan', { text: 'x' }), 'E_DENIED');
    await expectRejection(operator.call('greeter', 'wave', '', {}), 'E_DENIED');
    await expectRejection(operator.call('greeter', HOSTILE_OP, '', {}), 'E_DENIED');
    await operator.delegate([{ action: 'call', to: 'uppercase', ops: ['upper'], resources: ['public/*'] }], 60, 'greeter');
  } finally {
    await host.stop();
  }
  return {
    dir,
    policyFile,
    auditFile,
    lines: () => readFileSync(auditFile, 'utf8').split('\n').filter(Boolean),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A copy of the log with one byte of the record at `line` (1-based) changed. */
export function tamperedCopy(log: Pick<RecordedLog, 'auditFile' | 'dir'>, line: number): string {
  const lines = readFileSync(log.auditFile, 'utf8').split('\n');
  const text = lines[line - 1]!;
  const at = text.indexOf('"actor":"') + '"actor":"'.length;
  lines[line - 1] = `${text.slice(0, at)}${text[at] === 'x' ? 'y' : 'x'}${text.slice(at + 1)}`;
  const file = path.join(log.dir, `tampered-${line}.log`);
  writeFileSync(file, lines.join('\n'));
  return file;
}
