/**
 * The API's boundary: every query string and path parameter is checked by a
 * zod schema before anything else sees it, and the record filter is turned
 * into the `AuditFilter` of the shared query engine (`cli/audit/query.ts`).
 * No parameter names a file: the viewer serves only the log it was started on.
 *
 * @module
 */
import { z } from 'zod';
import { AuditFilter } from '../query.js';
import { ViewerError } from './errors.js';

/** A form field left empty means "not set". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** Epoch milliseconds, or an ISO 8601 date/time. */
const Instant = z.string().max(40).transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'use epoch milliseconds or an ISO date/time' });
    return z.NEVER;
  }
  return ms;
});

/** `GET /api/records`: the filters of `audit query`, plus how many of the latest matches to return. */
export const RecordsQuery = z
  .object({
    ext: optional(z.string().max(64)),
    verdict: optional(z.enum(['allow', 'deny', 'info'])),
    op: optional(z.string().max(512)),
    action: optional(z.string().max(64)),
    trace: optional(z.string().max(128)),
    since: optional(Instant),
    text: optional(z.string().max(200)),
    limit: z.coerce.number().int().min(1).max(5_000).default(500),
  })
  .strict();
export type RecordsQuery = z.infer<typeof RecordsQuery>;

export const SeqParams = z.object({ seq: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();
export const TraceParams = z.object({ trace: z.string().min(1).max(128) }).strict();
export const NoQuery = z.object({}).strict();

/**
 * Check `value` against `schema`, or throw `E_BAD_QUERY` naming the parameter.
 *
 * @example
 * const { seq } = checkParams(SeqParams, request.params);
 */
export function checkParams<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'query';
  throw new ViewerError('E_BAD_QUERY', `${where}: ${issue?.message ?? 'invalid'}`);
}

/** The shared engine's filter for a checked records query. */
export function toFilter(query: RecordsQuery): AuditFilter {
  const { limit: _limit, ...filter } = query;
  return AuditFilter.parse(Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)));
}
