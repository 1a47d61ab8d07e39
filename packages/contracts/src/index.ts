export * from './account.ts';
export * from './common.ts';
export * from './deals.ts';
export * from './errors.ts';
export * from './people.ts';
export * from './workspaces.ts';
export * from './dashboard.ts';
export * from './search.ts';
