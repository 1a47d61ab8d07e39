import { type InfiniteData, type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import {
  boardQuery,
  dealQuery,
  moveDeal,
  pipelinesQuery,
  type TBoard,
  type TDeal,
  type TDealList,
} from './deals.api.ts';

type TMove = { deal: TDeal; stageId: string };

/** Puts one version of the deal everywhere it is loaded: on the board (top of its stage's
 *  column, as the server sorts by updatedAt), in the table pages and on its own page. */
function place(qc: QueryClient, pipelineId: string, deal: TDeal, at?: { stageId: string; index: number }) {
  qc.setQueryData<TBoard>(boardQuery(pipelineId).queryKey, (prev) => {
    if (!prev) return prev;
    return {
      ...prev,
      stages: prev.stages.map((col) => {
        const items = col.items.filter((d) => d.id !== deal.id);
        if (col.stage.id !== deal.stageId) return items.length === col.items.length ? col : { ...col, items };
        const index = at && at.stageId === col.stage.id ? Math.min(at.index, items.length) : 0;
        return { ...col, items: [...items.slice(0, index), deal, ...items.slice(index)] };
      }),
    };
  });
  for (const [key, data] of qc.getQueriesData<InfiniteData<TDealList>>({ queryKey: ['deals', 'list'] })) {
    if (!data) continue;
    qc.setQueryData<InfiniteData<TDealList>>(key, {
      ...data,
      pages: data.pages.map((p) => ({ ...p, items: p.items.map((d) => (d.id === deal.id ? deal : d)) })),
    });
  }
  if (qc.getQueryData(dealQuery(deal.id).queryKey)) qc.setQueryData(dealQuery(deal.id).queryKey, deal);
}

/** POST /deals/:id/move, shown at once and put back if the server says no. */
export function useMoveDeal(pipelineId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ deal, stageId }: TMove) => moveDeal(deal.id, stageId),
    onMutate: async ({ deal, stageId }: TMove) => {
      await qc.cancelQueries({ queryKey: boardQuery(pipelineId).queryKey });
      const board = qc.getQueryData<TBoard>(boardQuery(pipelineId).queryKey);
      const column = board?.stages.find((c) => c.items.some((d) => d.id === deal.id));
      const before = {
        deal: column?.items.find((d) => d.id === deal.id) ?? deal,
        at: column ? { stageId: column.stage.id, index: column.items.findIndex((d) => d.id === deal.id) } : undefined,
      };
      const stage = qc
        .getQueryData(pipelinesQuery.queryKey)
        ?.find((p) => p.id === pipelineId)
        ?.stages.find((s) => s.id === stageId);
      const moved: TDeal = {
        ...deal,
        stageId,
        status: stage?.kind ?? deal.status,
        updatedAt: new Date().toISOString(),
      };
      place(qc, pipelineId, moved);
      return before;
    },
    onError: (_err, _vars, before) => {
      if (before) place(qc, pipelineId, before.deal, before.at);
    },
    onSuccess: async (deal) => {
      place(qc, pipelineId, deal);
      await Promise.all([
        qc.invalidateQueries({ queryKey: ['deals', 'history', deal.id] }),
        qc.invalidateQueries({ queryKey: ['deals', 'one', deal.id] }),
      ]);
    },
  });
}
