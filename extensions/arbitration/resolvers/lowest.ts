/**
 * A table-driven resolver: on `decision.ask.*` it proposes, among the question's
 * candidates, the one with the lowest value in its `data` table (cost, latency).
 * Candidates missing from the table are never proposed; if none is known it
 * stays silent. Equal values go to the lexically first candidate.
 *
 * @module
 */
import { KernelError, z, type EventContext, type KernelApi } from '../../sdk/worker/index.js';
import { AskEvent, ProposeReply, type ProposeBody } from '../protocol.js';

/** What a table resolver reads from its policy `data:`. */
export function tableData(table: string) {
  return z
    .object({
      [table]: z.record(z.string().min(1).max(128), z.number().nonnegative()),
      /** The priority its proposals carry (reducer `priority`). */
      priority: z.number().int().default(0),
      /** The engine's extension id. */
      engine: z.string().min(1).max(64).default('arbitration'),
    })
    .strict();
}

export interface TableResolverOptions {
  /** The `data` field holding the table, e.g. `costs`. */
  readonly table: string;
  /** What a value means, for the proposal's `reason`, e.g. `cost`. */
  readonly label: string;
}

interface Settings {
  readonly values: ReadonlyMap<string, number>;
  readonly priority: number;
  readonly engine: string;
}

/** The lowest-valued known candidate, or undefined. Pure. */
export function lowest(values: ReadonlyMap<string, number>, candidates: readonly string[]): { candidate: string; value: number } | undefined {
  let found: { candidate: string; value: number } | undefined;
  for (const candidate of candidates) {
    const value = values.get(candidate);
    if (value === undefined) continue;
    if (found === undefined || value < found.value || (value === found.value && candidate < found.candidate)) found = { candidate, value };
  }
  return found;
}

/** The pieces of a `defineExtension` for a table resolver. */
export function tableResolver({ table, label }: TableResolverOptions) {
  let settings: Settings | undefined;
  return {
    ops: {},
    events: {
      'decision.ask.*': {
        body: AskEvent,
        async handle(ask: AskEvent, ctx: EventContext): Promise<void> {
          if (settings === undefined) return;
          const pick = lowest(settings.values, ask.candidates);
          if (pick === undefined) return;
          const body: ProposeBody = {
            questionId: ask.questionId,
            proposal: pick.candidate,
            score: 1 / (1 + pick.value),
            priority: settings.priority,
            reason: `lowest ${label} ${pick.value} of ${ask.candidates.filter((c) => settings!.values.has(c)).length} known`,
          };
          try {
            ProposeReply.parse(await ctx.api.call(settings.engine, 'propose', ask.questionId, body));
          } catch (error) {
            const code = error instanceof KernelError ? error.code : 'E_TARGET_CRASHED';
            ctx.api.log('warn', 'proposal refused', { code, questionId: ask.questionId });
          }
        },
      },
    },
    async init(api: KernelApi, data: unknown): Promise<void> {
      const parsed = tableData(table).safeParse(data ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new KernelError('E_POLICY_INVALID', `${api.id} data.${issue.path.join('.')}: ${issue.message}`, {
          hint: `give ${api.id} a data.${table} table of candidate → ${label}, e.g. { wordcount: 1, relay: 3 }`,
        });
      }
      const config = parsed.data as { priority: number; engine: string } & Record<string, Record<string, number>>;
      settings = { values: new Map(Object.entries(config[table] ?? {})), priority: config.priority, engine: config.engine };
      await api.subscribe('decision.ask.*');
    },
  };
}
