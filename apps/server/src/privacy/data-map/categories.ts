/**
 * The tree of personal-data categories (dotted keys, a child inherits from its parent), in
 * the spirit of the fideslang taxonomy. Add what is missing; keep it a tree: every key's
 * parent must be a key too.
 */
export const DATA_CATEGORIES = {
  user: 'Personal data of a natural person',
  'user.name': 'Name',
  'user.contact': 'Contact details',
  'user.contact.email': 'Email address',
  'user.contact.phone_number': 'Phone number',
  'user.contact.address': 'Postal address',
  'user.contact.address.street': 'Street address',
  'user.contact.address.state': 'State or province',
  'user.contact.address.postal_code': 'Postal code',
  'user.contact.address.city': 'City',
  'user.contact.address.country': 'Country',
  'user.job_title': 'Job title',
  'user.employment': 'Organisations a person works for, and their role there',
  'user.relationship': "The person's relationship with the workspace",
  'user.relationship.subject_category': 'Category of data subject (client, employee, prospect, ...)',
  'user.relationship.tag': 'Tags given to the person',
  'user.relationship.source': 'Where the record came from (manual, import, a sync)',
  'user.custom_field':
    'Values of custom fields; each field is declared personal or not, with its own category, when created',
  'user.photo': 'Photo or avatar',
  'user.demographic': 'Demographic data',
  'user.demographic.age_range': 'Age range (for example "at least 16")',
  'user.preferences': 'Settings and preferences (language, time zone)',
  'user.privacy_preferences': 'Consent and privacy choices',
  'user.content': 'Content a person wrote or received',
  'user.content.note': 'Notes',
  'user.content.email_headers': 'Email headers',
  'user.content.email_body': 'Email bodies',
  'user.content.calendar_event': 'Calendar events',
  'user.content.message': 'Messages sent to a person',
  'user.financial': 'Financial data',
  'user.financial.invoice': 'Invoices',
  'user.device': 'Device data',
  'user.device.ip_address': 'IP address',
  'user.device.user_agent': 'Browser or app identification',
  'user.behavior': 'Behaviour',
  'user.behavior.email_engagement': 'Opens and clicks of emails',
  'user.behavior.activity': 'Activity in the service (sign-ins, actions)',
  'user.document': 'Documents',
  'user.document.cv': 'CVs',
  'user.account': 'Account data',
  'user.account.identifier': 'Account identifiers (user ids)',
  'user.account.membership': 'Workspace and team membership and role',
  system: 'Data about the service itself',
  'system.authentication': 'Credentials: password hashes, 2FA secrets, passkeys, session tokens',
} as const;

export type DataCategory = keyof typeof DATA_CATEGORIES;

export function parentCategory(key: string): string | null {
  const i = key.lastIndexOf('.');
  return i < 0 ? null : key.slice(0, i);
}
