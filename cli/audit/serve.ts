/**
 * `nanokernel audit serve <log>`: the audit viewer, a small local web page over
 * one audit log (chain status, timeline, record joins, granted vs used, traces,
 * live tail), bound to 127.0.0.1 unless told otherwise. See docs/audit-viewer.md.
 *
 * @module
 */
import { createAuditApp } from './viewer/app.js';
import { EXIT_OK, paint, type Io } from '../output.js';

export interface AuditServerOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** A policy file to join records with. */
  readonly policy?: string;
}

export interface AuditServer {
  /** Where the page is, e.g. `http://127.0.0.1:43117/`. */
  readonly url: string;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';

function urlOf(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}/`;
}

/**
 * Start the viewer of `file` and return where it listens.
 *
 * @example
 * const server = await startAuditServer('.nanokernel/audit.log', { port: 0 });
 * console.log(server.url);
 * await server.close();
 */
export async function startAuditServer(file: string, options: AuditServerOptions = {}): Promise<AuditServer> {
  const host = options.host ?? DEFAULT_HOST;
  const viewer = await createAuditApp(file, { host, ...(options.policy !== undefined ? { policy: options.policy } : {}) });
  try {
    await viewer.app.listen({ port: options.port ?? 0, host });
  } catch (error) {
    await viewer.close();
    throw error;
  }
  const address = viewer.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  return { url: urlOf(host, port), close: () => viewer.close() };
}

/** Run the viewer until SIGINT or SIGTERM; prints the URL. */
export async function serveAudit(io: Io, file: string, options: AuditServerOptions): Promise<number> {
  const server = await startAuditServer(file, options);
  if (io.json) io.out(JSON.stringify({ url: server.url, file }));
  else {
    io.out(`audit viewer for ${file}: ${paint(io, 'cyan', server.url)}`);
    io.err(paint(io, 'dim', 'read-only; press Ctrl-C to stop'));
  }
  if (options.host !== undefined && options.host !== DEFAULT_HOST && options.host !== 'localhost' && options.host !== '::1') {
    io.err(paint(io, 'yellow', `warning: bound to ${options.host}: anyone who can reach it can read this audit log`));
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT_OK;
}
