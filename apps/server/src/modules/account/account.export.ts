import { and, type Column, eq, getTableColumns, or, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { auditEntries } from '../../db/schema/index.ts';
import { withTenant } from '../../db/tenant.ts';
import { INSTANCE_SCOPE } from '../../lib/ids.ts';
import { recordAudit } from '../../privacy/audit/audit.service.ts';
import { DATA_CATEGORIES } from '../../privacy/data-map/categories.ts';
import { declaredTables, type TableDeclaration } from '../../privacy/data-map/data-map.ts';
import type { Services } from '../../services.ts';
import { listMyWorkspaces } from '../workspaces/workspaces.service.ts';

/** What an export writes instead of a credential: the fact that one is held, never its value. */
export const SECRET_HELD = '[secret held]';
const SECRET_CATEGORY = 'system.authentication';

type ExportedRow = Record<string, unknown>;
type ExportedColumn = { personal: boolean; category?: string; categoryDescription?: string; note?: string };

export type AccountExport = {
  format: 'tillit.account-export.v1';
  exportedAt: string;
  userId: string;
  notes: string[];
  /** Rows by table; tenant tables by workspace id. */
  data: Record<string, ExportedRow[] | Record<string, ExportedRow[]>>;
  /** For every exported table and column: what it is, and its data category. */
  dataMap: Record<string, { description: string; controller: string; columns: Record<string, ExportedColumn> }>;
};

/** Rows of `decl` tied to `userId`: by the table's subject column, and for the audit log
 *  also the entries the user made as actor. */
async function rowsOf(q: Queryable, decl: TableDeclaration, userId: string, workspaceId?: string) {
  const cols = getTableColumns(decl.table) as Record<string, Column>;
  const byDbName = new Map(Object.entries(cols).map(([key, col]) => [col.name, { key, col }]));
  const subject = decl.subject ? byDbName.get(decl.subject.column) : undefined;
  if (!subject) return [];
  let where: SQL | undefined = eq(subject.col, userId);
  if (decl.table === auditEntries) where = or(eq(auditEntries.subjectUserId, userId), eq(auditEntries.actorId, userId));
  const wsCol = byDbName.get('workspace_id');
  if (workspaceId && wsCol) where = and(where, eq(wsCol.col, workspaceId));
  const rows = (await q.select().from(decl.table).where(where)) as Record<string, unknown>[];
  return rows.map((row) => {
    const out: ExportedRow = {};
    for (const [dbName, { key }] of byDbName) {
      const c = decl.columns[dbName];
      const value = row[key];
      out[dbName] = c?.personal && c.category === SECRET_CATEGORY && value !== null ? SECRET_HELD : value;
    }
    return out;
  });
}

/**
 * P-ACC-2: every row the data map ties to this user (tables whose subject is a user: the
 * global ones directly, the tenant ones in each of the user's workspaces and the
 * instance's own audit chain), with credentials replaced by SECRET_HELD.
 */
export async function exportMyData(
  services: Services,
  userId: string,
  personal: { ip: string | null; userAgent: string | null },
): Promise<AccountExport> {
  const db = services.database.db;
  const now = services.clock.now();
  const mine = await listMyWorkspaces(db, userId);
  const scopes = [...mine.map((w) => w.workspaceId), INSTANCE_SCOPE];
  const result: AccountExport = {
    format: 'tillit.account-export.v1',
    exportedAt: now.toISOString(),
    userId,
    notes: [
      `Credentials (category ${SECRET_CATEGORY}: password hash, two-factor secret and backup codes, passkey keys, session tokens) are shown as "${SECRET_HELD}": we hold them but never hand them out.`,
      `Rows of workspace tables are grouped by workspace id; ${INSTANCE_SCOPE} is the instance itself (sign-ins before you joined a workspace).`,
    ],
    data: {},
    dataMap: {},
  };
  for (const decl of declaredTables()) {
    if (decl.subject?.kind !== 'user') continue;
    if (decl.tenancy === 'global') {
      result.data[decl.name] = await rowsOf(db, decl, userId);
    } else {
      const byWorkspace: Record<string, ExportedRow[]> = {};
      for (const workspaceId of scopes) {
        const rows = await withTenant(db, { workspaceId, userId }, (tx) => rowsOf(tx, decl, userId, workspaceId));
        if (rows.length > 0) byWorkspace[workspaceId] = rows;
      }
      result.data[decl.name] = byWorkspace;
    }
    result.dataMap[decl.name] = {
      description: decl.description,
      controller: decl.controller,
      columns: Object.fromEntries(
        Object.entries(decl.columns).map(([name, c]) => [
          name,
          c.personal
            ? {
                personal: true,
                category: c.category,
                categoryDescription: DATA_CATEGORIES[c.category],
                ...(c.note ? { note: c.note } : {}),
              }
            : { personal: false, ...(c.note ? { note: c.note } : {}) },
        ]),
      ),
    };
  }
  for (const w of mine) {
    await recordAudit(
      db,
      w.workspaceId,
      {
        actor: { kind: 'user', id: userId },
        action: 'account.exported',
        target: { type: 'user', id: userId },
        subjectUserId: userId,
        personal,
      },
      now,
    );
  }
  return result;
}
