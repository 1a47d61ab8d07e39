export * from './audit.schema.ts';
export * from './auth.schema.ts';
export * from './deals.schema.ts';
export * from './files.schema.ts';
export * from './import.schema.ts';
export * from './mail.schema.ts';
export * from './people.schema.ts';
export * from './workspaces.schema.ts';
