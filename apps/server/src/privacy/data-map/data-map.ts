import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import type { DataCategory } from './categories.ts';

/**
 * The data map is code: every column of every table is declared, beside the table's
 * definition, either with a personal-data category or as not personal. Access exports,
 * erasure, retention, the register of processing and the privacy notice all read this.
 */
export type ColumnDeclaration =
  | { personal: false; note?: string }
  | { personal: true; category: DataCategory; note?: string };

/** `tenant`: rows belong to one workspace (workspace_id leads every key, RLS applies).
 *  `global`: instance-level rows (accounts, sessions) that no workspace owns. */
export type Tenancy = 'tenant' | 'global';

/** P-ACC-8: who is the controller of this table's personal data. `workspace`: the customer
 *  is controller and Tillit its processor. `service`: Tillit is controller (account,
 *  billing and usage data). */
export type Controller = 'workspace' | 'service';

export type TableDeclaration = {
  table: Table;
  name: string;
  description: string;
  tenancy: Tenancy;
  controller: Controller;
  /** Which column ties a row to the person it is about, when there is one. */
  subject?: { kind: 'user' | 'person'; column: string };
  columns: Record<string, ColumnDeclaration>;
};

const registry = new Map<string, TableDeclaration>();

export const notPersonal = (note?: string): ColumnDeclaration =>
  note ? { personal: false, note } : { personal: false };
export const personal = (category: DataCategory, note?: string): ColumnDeclaration =>
  note ? { personal: true, category, note } : { personal: true, category };

type ColumnKeys<T extends Table> = keyof T['_']['columns'] & string;

/** Declares a table in the data map. The `columns` argument must name every column of the
 *  table (the type checker enforces it); a test checks the same against the database. */
export function declareTable<T extends Table>(
  table: T,
  declaration: {
    description: string;
    tenancy: Tenancy;
    controller: Controller;
    subject?: { kind: 'user' | 'person'; column: ColumnKeys<T> };
    columns: { [K in ColumnKeys<T>]: ColumnDeclaration };
  },
): T {
  const name = getTableName(table);
  const byDbName: Record<string, ColumnDeclaration> = {};
  const cols = getTableColumns(table) as Record<string, { name: string }>;
  for (const [key, decl] of Object.entries(declaration.columns) as [string, ColumnDeclaration][]) {
    const col = cols[key];
    if (!col) throw new Error(`data map: ${name}.${key} is not a column`);
    byDbName[col.name] = decl;
  }
  const subject = declaration.subject
    ? { kind: declaration.subject.kind, column: cols[declaration.subject.column]?.name ?? declaration.subject.column }
    : undefined;
  registry.set(name, {
    table,
    name,
    description: declaration.description,
    tenancy: declaration.tenancy,
    controller: declaration.controller,
    ...(subject ? { subject } : {}),
    columns: byDbName,
  });
  return table;
}

export function declaredTables(): TableDeclaration[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function tableDeclaration(name: string): TableDeclaration | undefined {
  return registry.get(name);
}

/**
 * Declarations made at run time by a workspace (its custom fields): the static registry above
 * holds the tables; a module whose workspaces add personal fields registers a source here,
 * and the data map served to a workspace lists what each source declares for it.
 */
export type WorkspaceFieldDeclaration = {
  /** The table whose rows hold the values. */
  table: string;
  object: string;
  key: string;
  label: string;
  type: string;
  personal: boolean;
  category: string | null;
};
export type WorkspaceDeclarationSource = (tx: Tx, workspaceId: string) => Promise<WorkspaceFieldDeclaration[]>;

const workspaceSources = new Map<string, WorkspaceDeclarationSource>();

export function registerWorkspaceDeclarations(name: string, source: WorkspaceDeclarationSource): void {
  workspaceSources.set(name, source);
}

export async function workspaceDeclarations(tx: Tx, workspaceId: string): Promise<WorkspaceFieldDeclaration[]> {
  const out: WorkspaceFieldDeclaration[] = [];
  for (const source of workspaceSources.values()) out.push(...(await source(tx, workspaceId)));
  return out;
}
