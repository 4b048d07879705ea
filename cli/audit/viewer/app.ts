/**
 * The viewer as a fastify app: the page's fixed files, the JSON API, the
 * security headers on every answer, the `Host` check, and coded errors.
 * Read-only: only GET routes exist, and the one log is the one it was built on.
 *
 * @module
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { KernelError } from '../../../nanokernel/index.js';
import { loadAssets, type AssetName } from './assets.js';
import { ViewerError } from './errors.js';
import { EventStreams } from './events.js';
import { LogFollower } from './follow.js';
import { SECURITY_HEADERS, hostAllowed } from './headers.js';
import { loadPolicyInfo } from './policy-info.js';
import { registerApi } from './routes.js';

export interface ViewerOptions {
  /** The address the server is bound to (decides which `Host` names it answers). */
  readonly host: string;
  /** A policy file to join records with (rules, suggestions, granted vs used). */
  readonly policy?: string;
}

export interface AuditViewerApp {
  readonly app: FastifyInstance;
  readonly log: LogFollower;
  close(): Promise<void>;
}

function toViewerError(error: unknown): ViewerError {
  if (error instanceof ViewerError) return error;
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new ViewerError('E_BAD_QUERY', 'the request is malformed');
  return new ViewerError('E_INTERNAL', error instanceof KernelError ? `${error.code}: ${error.message}` : 'the viewer failed to answer; see its terminal');
}

/**
 * Build (but do not start) the viewer of the log at `file`.
 *
 * @example
 * const { app, close } = await createAuditApp('.nanokernel/audit.log', { host: '127.0.0.1' });
 * const response = await app.inject({ url: '/api/status' });
 * await close();
 */
export async function createAuditApp(file: string, options: ViewerOptions): Promise<AuditViewerApp> {
  const policy = options.policy === undefined ? undefined : await loadPolicyInfo(options.policy);
  const assets = await loadAssets();
  const log = await LogFollower.open(file);
  const streams = new EventStreams();
  const app = Fastify({ logger: false, forceCloseConnections: true });

  app.addHook('onRequest', async (request) => {
    if (!hostAllowed(options.host, request.headers.host)) throw new ViewerError('E_FORBIDDEN_HOST', 'this viewer answers only to its own address');
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  app.setErrorHandler((error, _request, reply) => {
    const coded = toViewerError(error);
    void reply.code(coded.status).type('application/json; charset=utf-8').send(coded.toJSON());
  });
  app.setNotFoundHandler((_request, reply) => {
    const coded = new ViewerError('E_NOT_FOUND', 'no such page');
    void reply.code(coded.status).send(coded.toJSON());
  });

  const index = assets.get('index.html')!;
  app.get('/', async (_request, reply) => reply.type(index.type).send(index.body));
  app.get('/assets/:name', async (request, reply) => {
    const name = (request.params as { name?: unknown }).name;
    const asset = typeof name === 'string' && name !== 'index.html' ? assets.get(name as AssetName) : undefined;
    if (!asset) throw new ViewerError('E_NOT_FOUND', 'no such page file');
    return reply.type(asset.type).send(asset.body);
  });
  registerApi(app, { log, policy, streams });
  app.addHook('preClose', async () => streams.closeAll());
  log.follow();

  return {
    app,
    log,
    async close() {
      streams.closeAll();
      await app.close();
      await log.close();
    },
  };
}
