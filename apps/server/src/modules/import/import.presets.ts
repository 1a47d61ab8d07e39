import type { TImportField, TImportPreset, TImportTarget } from '@tillit/contracts';

/**
 * Header names of the contact exports people bring, as those products write them, and the
 * field each becomes. A file is recognised as a preset when enough of its headers are that
 * preset's own; every header is then mapped by the preset, others by the generic names.
 */
const GOOGLE: Record<string, TImportField> = {
  // The export of contacts.google.com since 2023.
  'First Name': 'firstName',
  'Last Name': 'lastName',
  'E-mail 1 - Value': 'email',
  'E-mail 2 - Value': 'email.other',
  'E-mail 3 - Value': 'email.other',
  'Phone 1 - Value': 'phone',
  'Phone 2 - Value': 'phone.other',
  'Phone 3 - Value': 'phone.other',
  'Organization Name': 'company',
  'Organization Title': 'title',
  'Address 1 - Street': 'street',
  'Address 1 - City': 'city',
  'Address 1 - Region': 'state',
  'Address 1 - Postal Code': 'postalCode',
  'Address 1 - Country': 'country',
  Labels: 'tags',
  // The older "Google CSV" export.
  'Given Name': 'firstName',
  'Family Name': 'lastName',
  'Organization 1 - Name': 'company',
  'Organization 1 - Title': 'title',
  'Group Membership': 'tags',
};

const OUTLOOK: Record<string, TImportField | null> = {
  'First Name': 'firstName',
  'Last Name': 'lastName',
  'E-mail Address': 'email',
  'E-mail 2 Address': 'email.other',
  'E-mail 3 Address': 'email.other',
  'Mobile Phone': 'phone',
  'Business Phone': 'phone.work',
  'Business Phone 2': 'phone.work',
  'Home Phone': 'phone.home',
  'Other Phone': 'phone.other',
  // Outlook's "Title" is the courtesy title (Mr., Dr.); the role is "Job Title".
  Title: null,
  'Job Title': 'title',
  Company: 'company',
  'Business Street': 'street',
  'Business City': 'city',
  'Business State': 'state',
  'Business Postal Code': 'postalCode',
  'Business Country/Region': 'country',
  Categories: 'tags',
};

const HUBSPOT: Record<string, TImportField> = {
  'First Name': 'firstName',
  'Last Name': 'lastName',
  Email: 'email',
  'Phone Number': 'phone.work',
  'Mobile Phone Number': 'phone',
  'Job Title': 'title',
  'Company Name': 'company',
  'Associated Company': 'company',
  'Street Address': 'street',
  City: 'city',
  'State/Region': 'state',
  'Postal Code': 'postalCode',
  'Country/Region': 'country',
  'Website URL': 'companyDomain',
};

/** Headers that only that product writes: they decide which preset a file is. */
const SIGNATURES: Record<TImportPreset, string[]> = {
  google: [
    'E-mail 1 - Value',
    'E-mail 1 - Label',
    'E-mail 1 - Type',
    'Phone 1 - Value',
    'Organization Name',
    'Organization 1 - Name',
    'Group Membership',
    'Labels',
    'Given Name',
  ],
  outlook: ['E-mail Address', 'E-mail 2 Address', 'Business Phone', 'Mobile Phone', 'Business Street', 'Job Title'],
  hubspot: ['Record ID', 'Email', 'Phone Number', 'Contact owner', 'Lifecycle Stage', 'Associated Company'],
};

export const PRESETS: Record<TImportPreset, Record<string, TImportField | null>> = {
  google: GOOGLE,
  outlook: OUTLOOK,
  hubspot: HUBSPOT,
};

/** Names a file of our own or a hand-made sheet would use (lower-cased, spaces and _ - dropped). */
const GENERIC: Record<string, TImportField> = {
  firstname: 'firstName',
  givenname: 'firstName',
  fornavn: 'firstName',
  lastname: 'lastName',
  surname: 'lastName',
  familyname: 'lastName',
  etternavn: 'lastName',
  name: 'fullName',
  fullname: 'fullName',
  navn: 'fullName',
  email: 'email',
  emailaddress: 'email',
  epost: 'email',
  mail: 'email',
  phone: 'phone',
  phonenumber: 'phone',
  mobile: 'phone',
  telefon: 'phone',
  mobil: 'phone',
  title: 'title',
  jobtitle: 'title',
  tittel: 'title',
  company: 'company',
  organization: 'company',
  organisation: 'company',
  firma: 'company',
  domain: 'companyDomain',
  website: 'companyDomain',
  street: 'street',
  address: 'street',
  adresse: 'street',
  postalcode: 'postalCode',
  zip: 'postalCode',
  zipcode: 'postalCode',
  postnummer: 'postalCode',
  city: 'city',
  sted: 'city',
  poststed: 'city',
  state: 'state',
  region: 'state',
  country: 'country',
  land: 'country',
  tags: 'tags',
  categories: 'subjectCategories',
  subjectcategories: 'subjectCategories',
};

export function detectPreset(headers: string[]): TImportPreset | null {
  const set = new Set(headers.map((h) => h.trim()));
  let best: TImportPreset | null = null;
  let bestHits = 1;
  for (const preset of Object.keys(SIGNATURES) as TImportPreset[]) {
    const hits = SIGNATURES[preset].filter((h) => set.has(h)).length;
    if (hits > bestHits) {
      best = preset;
      bestHits = hits;
    }
  }
  return best;
}

/** One field (or null) per header; a field that may appear once goes to its first column. */
export function suggestMapping(headers: string[], preset: TImportPreset | null): (TImportField | null)[] {
  const table = preset ? PRESETS[preset] : null;
  const used = new Set<TImportField>();
  const repeatable = (f: TImportField) => f.startsWith('email') || f.startsWith('phone') || f === 'tags';
  return headers.map((h) => {
    const name = h.trim();
    const f =
      table && name in table ? (table[name] ?? null) : (GENERIC[name.toLowerCase().replace(/[\s_\-.]/g, '')] ?? null);
    if (!f) return null;
    if (!repeatable(f)) {
      if (used.has(f)) return null;
      used.add(f);
    }
    return f;
  });
}

/** Columns left without a field whose header equals a custom field's label or key (case and
 *  surrounding spaces aside) get that field as `cf.<key>`, each field once; else a company
 *  field's label or key, alone or after "company" ("Company size"), as `company.cf.<key>`. */
export function suggestCustomFields(
  headers: string[],
  suggested: (TImportField | null)[],
  fields: readonly { key: string; label: string }[],
  companyFields: readonly { key: string; label: string }[] = [],
): (TImportTarget | null)[] {
  const used = new Set<string>();
  const usedCompany = new Set<string>();
  return headers.map((h, i) => {
    const own = suggested[i] ?? null;
    if (own) return own;
    const name = h.trim().toLowerCase();
    if (!name) return null;
    const f = fields.find((x) => !used.has(x.key) && (x.label.trim().toLowerCase() === name || x.key === name));
    if (f) {
      used.add(f.key);
      return `cf.${f.key}` as const;
    }
    const bare = name.replace(/^company[\s._-]*/, '');
    const c = companyFields.find(
      (x) => !usedCompany.has(x.key) && (x.label.trim().toLowerCase() === bare || x.key === bare),
    );
    if (!c) return null;
    usedCompany.add(c.key);
    return `company.cf.${c.key}` as const;
  });
}

const squash = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');

/**
 * A target for each vCard property to map: `X-TILLIT-<KEY>` is the field `<key>` of people
 * (`X-TILLIT-COMPANY-<KEY>` of companies); any other property whose name without `X-`
 * equals a field's key or label (X-LINKEDIN and "LinkedIn", NOTE and "Note") that field.
 * Each field once; null when nothing fits.
 */
export function suggestVcardProperties(
  properties: string[],
  fields: readonly { key: string; label: string }[],
  companyFields: readonly { key: string; label: string }[],
): (TImportTarget | null)[] {
  const used = new Set<string>();
  const pick = (list: readonly { key: string; label: string }[], name: string, prefix: 'cf.' | 'company.cf.') => {
    const f = list.find((x) => !used.has(prefix + x.key) && (x.key === name || squash(x.label) === name));
    if (!f) return null;
    used.add(prefix + f.key);
    return `${prefix}${f.key}` as TImportTarget;
  };
  return properties.map((p) => {
    const upper = p.toUpperCase();
    if (upper.startsWith('X-TILLIT-COMPANY-')) return pick(companyFields, squash(upper.slice(17)), 'company.cf.');
    if (upper.startsWith('X-TILLIT-')) return pick(fields, squash(upper.slice(9)), 'cf.');
    return pick(fields, squash(upper.replace(/^X-/, '')), 'cf.');
  });
}
