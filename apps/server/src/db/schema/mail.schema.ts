import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { declareTable, notPersonal, personal } from '../../privacy/data-map/data-map.ts';

/** With no SMTP_URL, outgoing mail lands here and instance admins read it under Settings. */
export const outboxMessages = declareTable(
  pgTable(
    'outbox_messages',
    {
      id: uuid('id').primaryKey(),
      workspaceId: uuid('workspace_id'),
      kind: text('kind').notNull(),
      toAddress: text('to_address').notNull(),
      subject: text('subject').notNull(),
      textBody: text('text_body').notNull(),
      htmlBody: text('html_body'),
      createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    },
    (t) => [index('outbox_messages_created_idx').on(t.createdAt)],
  ),
  {
    description: 'Development outbox: mail that would have been sent',
    tenancy: 'global',
    controller: 'service',
    columns: {
      id: notPersonal(),
      workspaceId: notPersonal(),
      kind: notPersonal(),
      toAddress: personal('user.contact.email'),
      subject: personal('user.content.message'),
      textBody: personal('user.content.message'),
      htmlBody: personal('user.content.message'),
      createdAt: notPersonal(),
    },
  },
);
