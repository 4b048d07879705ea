/**
 * Start a local `nats-server` (Debian's 2.9.x) on a loopback port, under a
 * watchdog shell that kills it when this process's pipe closes, so a crashed
 * test worker or benchmark never leaves a server behind. Used by the tests, the
 * benchmark and the federation walkthrough.
 *
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { KernelError } from '../../../nanokernel/index.js';

export interface NatsServer {
  readonly port: number;
  readonly url: string;
  /** Stop the server and wait until it has exited (its port is free again). */
  stop(): Promise<void>;
}

/** The watchdog: run the server, wait for stdin to close (Node exited or asked), then stop it. */
const WATCHDOG = 'nats-server -a 127.0.0.1 -p "$1" & pid=$!; cat >/dev/null; kill "$pid" 2>/dev/null; wait "$pid"';

/** Is a `nats-server` command on the PATH? */
export function natsServerInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v nats-server'], { stdio: 'ignore' }).status === 0;
}

/**
 * Start `nats-server` on `port` (default: a free one) and resolve once it says
 * "Server is ready". Throws `E_NO_TARGET` with its output if it does not start within 10 s.
 *
 * @example
 * const server = await startNatsServer();
 * const federation = await Federation.join({ kernel, policy, servers: server.url });
 * await server.stop();
 */
export async function startNatsServer(port?: number): Promise<NatsServer> {
  const child = spawn('sh', ['-c', WATCHDOG, 'watchdog', String(port ?? -1)], { stdio: ['pipe', 'ignore', 'pipe'] });
  let output = '';
  const chosen = await new Promise<number>((resolve, reject) => {
    let listening: number | undefined;
    let ready = false;
    const timer = setTimeout(() => fail('it did not report "Server is ready" within 10 s'), 10_000);
    function fail(why: string): void {
      clearTimeout(timer);
      child.stdin?.end();
      reject(new KernelError('E_NO_TARGET', `nats-server did not start: ${why}`, { facts: { output: output.slice(-500) }, hint: 'is it installed (apt-get install nats-server), and is the port free?' }));
    }
    child.on('error', (error) => fail(error.message));
    child.on('exit', (code) => fail(`it exited with code ${code}`));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (ready) return;
      output += chunk;
      listening ??= Number(/Listening for client connections on [^\s]*:(\d+)/.exec(output)?.[1]) || undefined;
      if (listening !== undefined && output.includes('Server is ready')) {
        clearTimeout(timer);
        ready = true;
        child.removeAllListeners('exit');
        resolve(listening);
      }
    });
  });
  child.stderr!.resume();
  return { port: chosen, url: `nats://127.0.0.1:${chosen}`, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin?.end();
  });
}
