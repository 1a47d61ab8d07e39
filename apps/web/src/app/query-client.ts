import { MutationCache, type Query, QueryCache, QueryClient, type QueryKey } from '@tanstack/react-query';
import { ApiError } from '../lib/api.ts';

type Handlers = { onTwoFactorRequired: () => void; onSignedOut: () => void; onNoWorkspace: () => void };
let handlers: Handlers = { onTwoFactorRequired: () => {}, onSignedOut: () => {}, onNoWorkspace: () => {} };

/** The router registers where a 2FA requirement or an ended session should lead. */
export function setGlobalErrorHandlers(next: Handlers): void {
  handlers = next;
}

function onQueryError(error: unknown, query: Query<unknown, unknown, unknown, QueryKey>): void {
  if (!(error instanceof ApiError)) return;
  // Background queries (the shell's own) never lead away from the page being read.
  if (query.meta?.background) return;
  if (error.status === 403 && error.code === 'two_factor_required') handlers.onTwoFactorRequired();
  else if (error.status === 401) handlers.onSignedOut();
  else if (error.code === 'no_workspace') handlers.onNoWorkspace();
}

// A write may answer 401 for a wrong password or code: only the 2FA requirement leads away.
function onMutationError(error: unknown): void {
  if (error instanceof ApiError && error.status === 403 && error.code === 'two_factor_required') {
    handlers.onTwoFactorRequired();
  }
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onQueryError }),
  mutationCache: new MutationCache({ onError: onMutationError }),
  defaultOptions: {
    queries: {
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});
