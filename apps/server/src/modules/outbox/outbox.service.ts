import { desc, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { outboxMessages } from '../../db/schema/index.ts';

/** Newest first; ids are UUIDv7, so the id is the keyset. */
export async function listOutbox(db: Db, q: { before?: string | undefined; limit: number }) {
  const rows = await db
    .select()
    .from(outboxMessages)
    .where(q.before ? lt(outboxMessages.id, q.before) : undefined)
    .orderBy(desc(outboxMessages.id))
    .limit(q.limit);
  const messages = rows.map((m) => ({
    id: m.id,
    kind: m.kind,
    to: m.toAddress,
    subject: m.subject,
    text: m.textBody,
    createdAt: m.createdAt.toISOString(),
  }));
  const last = messages.at(-1);
  return { messages, nextBefore: messages.length === q.limit && last ? last.id : null };
}
