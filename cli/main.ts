/**
 * The `nanokernel` command: run the kernel, write and check policies, read the
 * audit log, inspect and try plugins, manage keys.
 *
 * @module
 */
import { auditCommand, AUDIT_USAGE } from './commands/audit.js';
import { keysCommand, KEYS_USAGE } from './commands/keys.js';
import { policyCommand, POLICY_USAGE } from './commands/policy.js';
import { EXIT_OK, EXIT_USAGE, makeIo, reportError, UsageError, type Io } from './output.js';

type Command = (io: Io, args: readonly string[]) => Promise<number>;

interface Entry {
  readonly run: () => Promise<Command>;
  readonly usage: () => Promise<string>;
  readonly summary: string;
}

const COMMANDS: Readonly<Record<string, Entry>> = {
  run: {
    run: async () => (await import('./commands/run.js')).runCommand,
    usage: async () => (await import('./commands/run.js')).RUN_USAGE,
    summary: 'boot the kernel on a policy and run a workflow (the demo by default)',
  },
  policy: { run: async () => policyCommand, usage: async () => POLICY_USAGE, summary: 'check, explain, diff and learn policies' },
  audit: { run: async () => auditCommand, usage: async () => AUDIT_USAGE, summary: 'verify, query, tail and summarise audit logs' },
  plugin: {
    run: async () => (await import('./commands/plugin.js')).pluginCommand,
    usage: async () => (await import('./commands/plugin.js')).PLUGIN_USAGE,
    summary: 'hash, inspect and try Wasm plugins under a policy',
  },
  keys: { run: async () => keysCommand, usage: async () => KEYS_USAGE, summary: 'create, rotate and publish signing keys' },
};

export const MAIN_USAGE = `nanokernel — a capability-secured nanokernel for untrusted extensions

usage: nanokernel <command> [options]   (every command takes --json, --debug, --help)

${Object.entries(COMMANDS)
  .map(([name, entry]) => `  ${name.padEnd(8)} ${entry.summary}`)
  .join('\n')}

examples:
  nanokernel run                                   the demo workflow on policies/default.yaml
  nanokernel policy explain policies/default.yaml --as stale --call artifacts put reports/q3.json
  nanokernel audit query .nanokernel/audit.log --verdict deny
  nanokernel plugin inspect dist/plugins/wordcount.wasm`;

export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const io = makeIo(json, debug);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(MAIN_USAGE);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const entry = COMMANDS[name];
  if (!entry) return reportError(io, new UsageError(`unknown command "${name}"`), MAIN_USAGE);
  try {
    return await (await entry.run())(io, rest);
  } catch (error) {
    return reportError(io, error, error instanceof UsageError ? await entry.usage() : undefined);
  }
}

