import type { TLegalBasis, TPurposeKind } from '@tillit/contracts';

export type PurposeDef = {
  key: string;
  name: string;
  description: string;
  legalBasis: TLegalBasis;
  kind: TPurposeKind;
  /** The data categories the purpose may use (a category covers its children). P-LB-4. */
  categories: readonly string[];
  retention: string;
  retentionDays: number | null;
  /** How long a consent given for the purpose lasts, in months; null: until withdrawn. Only
   *  for purposes whose basis is consent. */
  consentMonths: number | null;
  /** Whether the person can object (art. 21): legitimate-interest purposes, marketing. */
  objectable: boolean;
  builtIn: boolean;
  archived: boolean;
};

export const INTEGRATION_PROVIDERS = ['google', 'microsoft', 'imap', 'carddav', 'whatsapp', '3cx'] as const;

const integration = (
  provider: (typeof INTEGRATION_PROVIDERS)[number],
  name: string,
  description: string,
  categories: string[],
  retention: string,
  retentionDays: number | null,
): PurposeDef => ({
  key: `integration.${provider}`,
  name,
  description,
  legalBasis: 'legitimate_interest',
  kind: 'integration',
  categories,
  retention,
  retentionDays,
  consentMonths: null,
  objectable: true,
  builtIn: true,
  archived: false,
});

/**
 * The purposes every workspace has (P-LB-1). Retention texts follow the retention promises
 * (P-INT-7, P-MKT-4, P-DSR-3); the jobs that enforce them live with retention.
 */
export const BUILT_IN_PURPOSES: readonly PurposeDef[] = [
  {
    key: 'crm.relationship',
    name: 'Customer and contact relationship',
    description: 'Keeping contacts, companies, deals, notes and tasks to manage business relationships.',
    legalBasis: 'legitimate_interest',
    kind: 'relationship',
    categories: [
      'user.name',
      'user.contact',
      'user.job_title',
      'user.employment',
      'user.relationship',
      'user.photo',
      'user.content.note',
      'user.account.identifier',
    ],
    retention: 'While the relationship lasts; deleted records are purged from the trash after 30 days.',
    retentionDays: null,
    consentMonths: null,
    objectable: true,
    builtIn: true,
    archived: false,
  },
  {
    key: 'marketing.email',
    name: 'Newsletters and marketing email',
    description: 'Sending newsletters and marketing email to people who expressly agreed (P-MKT-1).',
    legalBasis: 'consent',
    kind: 'direct_marketing',
    categories: ['user.name', 'user.contact.email', 'user.behavior.email_engagement', 'user.privacy_preferences'],
    retention: 'Until consent is withdrawn or lapses (24 months after it was given).',
    retentionDays: null,
    // A marketing consent is asked again after two years (common guidance, e.g. the CNIL's
    // and the ICO's: consent does not last for ever); a custom purpose sets its own.
    consentMonths: 24,
    objectable: true,
    builtIn: true,
    archived: false,
  },
  {
    key: 'analytics.product',
    name: 'Product usage analytics',
    description: 'Pseudonymous usage statistics of the service, only after consent (P-CK-1, P-CK-3).',
    legalBasis: 'consent',
    kind: 'analytics',
    categories: ['user.device', 'user.behavior.activity'],
    retention: '12 months, pseudonymous.',
    retentionDays: 365,
    consentMonths: 12,
    objectable: true,
    builtIn: true,
    archived: false,
  },
  integration(
    'google',
    'Google integration',
    'Contacts, email headers and calendar events from a connected Google account (P-INT-3, P-INT-4, P-INT-6).',
    [
      'user.name',
      'user.contact',
      'user.photo',
      'user.employment',
      'user.content.email_headers',
      'user.content.calendar_event',
    ],
    'Email headers 7 days, calendar events 30 days, contact sync cache 30 days rolling; all within 7 days of a disconnect.',
    30,
  ),
  integration(
    'microsoft',
    'Microsoft 365 integration',
    'Contacts, email headers and calendar events from a connected Microsoft 365 account.',
    [
      'user.name',
      'user.contact',
      'user.photo',
      'user.employment',
      'user.content.email_headers',
      'user.content.calendar_event',
    ],
    'Email headers 7 days, calendar events 30 days, contact sync cache 30 days rolling; all within 7 days of a disconnect.',
    30,
  ),
  integration(
    'imap',
    'Mailbox (IMAP) integration',
    'Email headers of a connected mailbox, to show interactions on timelines; bodies not stored.',
    ['user.name', 'user.contact.email', 'user.content.email_headers'],
    'Email headers 7 days; within 7 days of a disconnect.',
    7,
  ),
  integration(
    'carddav',
    'Address book (CardDAV) integration',
    'Contacts from a connected address book.',
    ['user.name', 'user.contact', 'user.job_title', 'user.employment', 'user.photo'],
    'Contact sync cache 30 days rolling; within 7 days of a disconnect.',
    30,
  ),
  integration(
    'whatsapp',
    'WhatsApp integration',
    'Contact identifiers only; message content never feeds contact creation (P-INT-10).',
    ['user.name', 'user.contact.phone_number'],
    'Contact sync cache 30 days rolling; within 7 days of a disconnect.',
    30,
  ),
  integration(
    '3cx',
    'Telephony (3CX) integration',
    'Caller lookup and call logging (P-INT-11).',
    ['user.name', 'user.contact.phone_number', 'user.behavior.activity'],
    'Call log entries as the interactions they create; within 7 days of a disconnect.',
    null,
  ),
  {
    key: 'enrichment',
    name: 'Enrichment on request',
    description: 'Looking up public business facts for contacts a user chooses (P-ENR-1, P-ENR-2).',
    legalBasis: 'legitimate_interest',
    kind: 'enrichment',
    categories: ['user.name', 'user.contact.email', 'user.employment', 'user.job_title'],
    retention: 'As the record it enriches; the source of each fact is recorded.',
    retentionDays: null,
    consentMonths: null,
    objectable: true,
    builtIn: true,
    archived: false,
  },
  {
    key: 'ai.assist',
    name: 'AI assistance',
    description: 'Drafting and summarising for a user on request; never used to train general models.',
    legalBasis: 'legitimate_interest',
    kind: 'ai_assist',
    categories: ['user.name', 'user.job_title', 'user.employment', 'user.content.note'],
    retention: 'Not kept beyond the request.',
    retentionDays: 0,
    consentMonths: null,
    objectable: true,
    builtIn: true,
    archived: false,
  },
  {
    key: 'billing',
    name: 'Invoicing and bookkeeping',
    description: 'Invoices and their recipients, kept as bookkeeping law requires (P-DSR-3).',
    legalBasis: 'legal_obligation',
    kind: 'billing',
    categories: ['user.name', 'user.contact.email', 'user.contact.address', 'user.financial.invoice'],
    retention: 'Invoices 7 years (bookkeeping law).',
    retentionDays: 2557,
    consentMonths: null,
    objectable: false,
    builtIn: true,
    archived: false,
  },
  {
    key: 'security',
    name: 'Security and accountability',
    description: 'Audit chain, access log and sign-in records: who did what to which personal data.',
    legalBasis: 'legitimate_interest',
    kind: 'security',
    categories: [
      'user.account',
      'user.device.ip_address',
      'user.device.user_agent',
      'user.behavior.activity',
      'system.authentication',
    ],
    retention: 'Access log 12 months; the audit chain as long as the workspace (personal details erasable).',
    retentionDays: 365,
    consentMonths: null,
    objectable: false,
    builtIn: true,
    archived: false,
  },
];
