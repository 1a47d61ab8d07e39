/**
 * Sub-processors of a Tillit installation, for the register (P-LB-3). A static list in code
 * for now: a self-hosted instance uses none of these unless the operator configures them
 * (SMTP relay, S3-compatible storage) or a member connects an integration. Per-workspace
 * lists with change notices are P-SUB-1, not built yet.
 */
export type SubProcessor = {
  name: string;
  purpose: string;
  dataCategories: readonly string[];
  region: string;
  safeguard: string;
  /** True when it is used only if configured or connected. */
  optional: boolean;
};

export const SUB_PROCESSORS: readonly SubProcessor[] = [
  {
    name: 'Outgoing mail relay (SMTP_URL)',
    purpose: 'Delivering email: invitations, consent confirmations, notifications',
    dataCategories: ['user.contact.email', 'user.name', 'user.content.message'],
    region: 'As configured by the operator',
    safeguard: 'Operator’s processing agreement with the relay',
    optional: true,
  },
  {
    name: 'Object storage (S3-compatible, when configured)',
    purpose: 'Keeping attached files and photos',
    dataCategories: ['user.photo', 'user.document'],
    region: 'As configured by the operator',
    safeguard: 'Operator’s processing agreement with the storage provider',
    optional: true,
  },
  {
    name: 'Google (when a member connects Google)',
    purpose: 'Contacts, email headers and calendar events of the connected account',
    dataCategories: ['user.name', 'user.contact', 'user.content.email_headers', 'user.content.calendar_event'],
    region: 'Global',
    safeguard: 'EU–US Data Privacy Framework; standard contractual clauses',
    optional: true,
  },
  {
    name: 'Microsoft (when a member connects Microsoft 365)',
    purpose: 'Contacts, email headers and calendar events of the connected account',
    dataCategories: ['user.name', 'user.contact', 'user.content.email_headers', 'user.content.calendar_event'],
    region: 'Global / EU Data Boundary',
    safeguard: 'EU–US Data Privacy Framework; standard contractual clauses',
    optional: true,
  },
  {
    name: 'Meta WhatsApp Business (when connected)',
    purpose: 'Contact identifiers of WhatsApp correspondents',
    dataCategories: ['user.name', 'user.contact.phone_number'],
    region: 'Global',
    safeguard: 'Standard contractual clauses',
    optional: true,
  },
  {
    name: 'Enrichment provider (when a user runs enrichment)',
    purpose: 'Public business facts for contacts a user chooses',
    dataCategories: ['user.name', 'user.contact.email', 'user.employment'],
    region: 'As configured',
    safeguard: 'Processing agreement; only minimum identifiers are sent (P-ENR-2)',
    optional: true,
  },
];
