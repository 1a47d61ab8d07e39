import type { Transporter } from 'nodemailer';
import type { Db } from '../db/client.ts';
import { outboxMessages } from '../db/schema/index.ts';
import { newId } from '../lib/ids.ts';

export type OutgoingMail = {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** What the message is for: `verify_email`, `reset_password`, `invitation`, ... */
  kind: string;
  workspaceId?: string | null;
};

/** Every outgoing message goes through this interface: SMTP in production, the dev outbox
 *  when no SMTP_URL is set, an in-memory list in unit tests. */
export type MailTransport = { readonly kind: 'smtp' | 'outbox' | 'memory'; send(mail: OutgoingMail): Promise<void> };

export function createSmtpTransport(url: string, from: string): MailTransport {
  // nodemailer is loaded with the first message, not at every start.
  let transporter: Transporter | undefined;
  return {
    kind: 'smtp',
    async send(mail) {
      transporter ??= (await import('nodemailer')).default.createTransport(url);
      await transporter.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
  };
}

export function createOutboxTransport(db: Db): MailTransport {
  return {
    kind: 'outbox',
    async send(mail) {
      await db.insert(outboxMessages).values({
        id: newId(),
        workspaceId: mail.workspaceId ?? null,
        kind: mail.kind,
        toAddress: mail.to,
        subject: mail.subject,
        textBody: mail.text,
        htmlBody: mail.html ?? null,
      });
    },
  };
}

export function createMemoryTransport(): MailTransport & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return {
    kind: 'memory',
    sent,
    async send(mail) {
      sent.push(mail);
    },
  };
}
