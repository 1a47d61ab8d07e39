import { queryOptions } from '@tanstack/react-query';
import type { TPipelineDashboard, TWonLost } from '@tillit/contracts';
import { api } from '../../lib/api.ts';

export type { TCurrencyTotal, TPipelineDashboard, TWonLost } from '@tillit/contracts';

export const pipelineDashboardQuery = (pipelineId: string | null) =>
  queryOptions({
    queryKey: ['dashboard', 'pipeline', pipelineId ?? 'first'],
    queryFn: ({ signal }) =>
      api<TPipelineDashboard>(
        `/api/v1/dashboard/pipeline${pipelineId ? `?pipelineId=${encodeURIComponent(pipelineId)}` : ''}`,
        { signal },
      ),
  });

export const wonLostQuery = queryOptions({
  queryKey: ['dashboard', 'won-lost', 12],
  queryFn: ({ signal }) => api<TWonLost>('/api/v1/dashboard/won-lost?months=12', { signal }),
});
