import type { TNotice, TRegister } from '@tillit/contracts';
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { workspaces } from '../../db/schema/index.ts';
import { notFound } from '../../lib/errors.ts';
import { DATA_CATEGORIES } from '../data-map/categories.ts';
import { declaredTables } from '../data-map/data-map.ts';
import { listPurposes, type PurposeDef, presentPurpose, purposeCovers } from '../purposes/purposes.service.ts';
import { currentNotice, DEFAULT_NOTICE_BODY, latestNotice, noticeHash } from './notice.service.ts';
import { SUB_PROCESSORS } from './sub-processors.ts';

// The register of processing (GDPR art. 30, P-LB-3) and the notice's appendix (P-LB-1,
// P-LB-4), both derived from the same sources: the data map (declaredTables), the
// purposes (built-in and the workspace's own), their retention, and the sub-processors.

const describe = (key: string) => (DATA_CATEGORIES as Record<string, string>)[key] ?? key;

/** Where the categories a purpose may use are held: the tables of the data map with a
 *  personal column whose category the purpose covers (a parent covers its children). */
export function occasionsOf(purpose: Pick<PurposeDef, 'categories'>) {
  const out: { table: string; description: string; columns: string[] }[] = [];
  for (const t of declaredTables()) {
    if (t.controller !== 'workspace') continue;
    const columns = Object.entries(t.columns)
      .filter(([, c]) => c.personal && purposeCovers(purpose, c.category))
      .map(([name]) => name);
    if (columns.length) out.push({ table: t.name, description: t.description, columns });
  }
  return out;
}

export async function buildRegister(tx: Tx, workspaceId: string, now: Date): Promise<TRegister> {
  const [ws] = await tx
    .select({ id: workspaces.workspaceId, name: workspaces.name })
    .from(workspaces)
    .where(eq(workspaces.workspaceId, workspaceId));
  const purposes = await listPurposes(tx, workspaceId);
  return {
    generatedAt: now.toISOString(),
    workspace: { id: workspaceId, name: ws?.name ?? '' },
    controller: ws?.name ?? '',
    entries: purposes.map((p) => ({
      purpose: presentPurpose(p),
      categories: p.categories.map((key) => ({ key, description: describe(key) })),
      occasions: occasionsOf(p),
    })),
    tables: declaredTables().map((t) => ({
      name: t.name,
      description: t.description,
      controller: t.controller,
      categories: [
        ...new Set(Object.values(t.columns).flatMap((c) => (c.personal ? [c.category as string] : []))),
      ].sort(),
    })),
    subProcessors: SUB_PROCESSORS.map((s) => ({ ...s, dataCategories: [...s.dataCategories] })),
    notes: [
      'Purposes, categories, tables and retention are derived from code (the data map and the purpose table) and the workspace’s own purposes.',
      'Sub-processors are a static list in code for now (privacy/register/sub-processors.ts); per-workspace sub-processors and change notices come with P-SUB-1.',
    ],
  };
}

const BASIS_TEXT: Record<string, string> = {
  consent: 'Consent (GDPR art. 6(1)(a))',
  contract: 'Contract (art. 6(1)(b))',
  legal_obligation: 'Legal obligation (art. 6(1)(c))',
  legitimate_interest: 'Legitimate interest (art. 6(1)(f))',
};

/** The notice's appendix: per purpose, categories, occasions, legal basis, retention. */
export function noticeAppendix(purposes: readonly PurposeDef[]): TNotice['appendix'] {
  return purposes.map((p) => ({
    purposeKey: p.key,
    purpose: p.name,
    categories: p.categories.map(describe),
    occasions: occasionsOf(p).map((o) => o.description),
    legalBasis: BASIS_TEXT[p.legalBasis] ?? p.legalBasis,
    retention: p.retention,
    objectable: p.objectable,
  }));
}

export async function noticeWithAppendix(tx: Tx, workspaceId: string, now: Date): Promise<TNotice> {
  const notice = await currentNotice(tx, workspaceId, now);
  return {
    version: notice.version,
    body: notice.body,
    textHash: notice.textHash,
    publishedAt: notice.publishedAt.toISOString(),
    appendix: noticeAppendix(await listPurposes(tx, workspaceId)),
  };
}

/** The notice as the public sees it (no sign-in): read-only, so a visit writes nothing;
 *  before any version is published it is version 1, the default text. */
export async function publicNotice(tx: Tx, workspaceId: string): Promise<TNotice & { workspace: string }> {
  const [ws] = await tx
    .select({ name: workspaces.name, createdAt: workspaces.createdAt })
    .from(workspaces)
    .where(eq(workspaces.workspaceId, workspaceId));
  if (!ws) throw notFound('The workspace');
  const latest = await latestNotice(tx, workspaceId);
  return {
    workspace: ws.name,
    version: latest?.version ?? 1,
    body: latest?.body ?? DEFAULT_NOTICE_BODY,
    textHash: latest?.textHash ?? noticeHash(DEFAULT_NOTICE_BODY),
    publishedAt: (latest?.publishedAt ?? ws.createdAt).toISOString(),
    appendix: noticeAppendix(await listPurposes(tx, workspaceId)),
  };
}
