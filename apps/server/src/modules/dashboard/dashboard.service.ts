import type { TCurrencyTotal, TPipelineDashboard, TWonLost, ZWonLostQuery } from '@tillit/contracts';
import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { deals } from '../../db/schema/index.ts';
import type { Services } from '../../services.ts';
import { getPipeline, listPipelines } from '../deals/pipelines.service.ts';
import { visibleTo } from '../people/people.policy.ts';
import { inTenant } from '../people/people.service.ts';
import { rowsOf } from '../search/search.index.ts';
import type { Actor } from '../workspaces/workspaces.service.ts';

export type WonLostInput = z.output<typeof ZWonLostQuery>;

type TotalRow = { currency: string; amount: string; count: number };

const total = (r: TotalRow): TCurrencyTotal => ({
  currency: r.currency,
  amount: Number(r.amount),
  count: Number(r.count),
});

/**
 * Open value by stage of one pipeline (the first when none is named), per currency: one
 * GROUP BY over the partial index `deals_open_stage_idx`. Only the deals the actor can see
 * count (the same visibility clause as the deal lists). Amounts are never converted.
 */
export async function pipelineDashboard(
  services: Services,
  actor: Actor,
  pipelineId: string | undefined,
): Promise<TPipelineDashboard> {
  const pipeline = pipelineId
    ? await getPipeline(services, actor, pipelineId)
    : (await listPipelines(services, actor)).items[0];
  if (!pipeline) return { pipelineId: '00000000-0000-0000-0000-000000000000', pipelineName: '', stages: [] };
  const vis = visibleTo(actor, deals) ?? sql`true`;
  const rows = await inTenant(services, actor, (tx) =>
    rowsOf<TotalRow & { stage_id: string }>(
      tx,
      sql`select stage_id::text as stage_id, currency, sum(amount)::text as amount, count(*)::int as count
          from ${deals}
          where workspace_id = ${actor.workspaceId} and pipeline_id = ${pipeline.id} and deleted_at is null and status = 'open' and ${vis}
          group by stage_id, currency order by currency`,
    ),
  );
  return {
    pipelineId: pipeline.id,
    pipelineName: pipeline.name,
    stages: pipeline.stages.map((s) => ({
      stageId: s.id,
      name: s.name,
      kind: s.kind,
      totals: rows.filter((r) => r.stage_id === s.id).map(total),
    })),
  };
}

const monthKey = (d: Date) => d.toISOString().slice(0, 7);

/**
 * Deals won and lost per calendar month (UTC) of their `closedAt`, the last `months` months
 * up to the current one (by `services.clock`), per currency; every month listed. One GROUP BY
 * over the range of `deals_closed_idx`; visibility as in the lists.
 */
export async function wonLost(services: Services, actor: Actor, input: WonLostInput): Promise<TWonLost> {
  const now = services.clock.now();
  const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (input.months - 1), 1));
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  if (input.pipelineId) await getPipeline(services, actor, input.pipelineId);
  const vis = visibleTo(actor, deals) ?? sql`true`;
  const byPipeline = input.pipelineId ? sql`and pipeline_id = ${input.pipelineId}` : sql``;
  const rows = await inTenant(services, actor, (tx) =>
    rowsOf<TotalRow & { month: string; status: 'won' | 'lost' }>(
      tx,
      sql`select to_char(date_trunc('month', closed_at at time zone 'UTC'), 'YYYY-MM') as month, status, currency,
            sum(amount)::text as amount, count(*)::int as count
          from ${deals}
          where workspace_id = ${actor.workspaceId} and deleted_at is null and closed_at is not null
            and closed_at >= ${from.toISOString()}::timestamptz and closed_at < ${to.toISOString()}::timestamptz
            and status in ('won', 'lost') ${byPipeline} and ${vis}
          group by 1, 2, 3 order by 1, 2, 3`,
    ),
  );
  const months: TWonLost['months'] = [];
  for (let i = 0; i < input.months; i++) {
    const key = monthKey(new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + i, 1)));
    months.push({
      month: key,
      won: rows.filter((r) => r.month === key && r.status === 'won').map(total),
      lost: rows.filter((r) => r.month === key && r.status === 'lost').map(total),
    });
  }
  return { months };
}
