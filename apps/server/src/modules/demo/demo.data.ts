import type { TCreateCompanyBody, TCreatePersonBody } from '@tillit/contracts';
import { COMPANY_SIZES } from '@tillit/contracts';
import type { Random } from './demo.random.ts';

/**
 * What the demo workspace is made of: Norwegian and international names, companies on
 * `.example` domains (RFC 2606, never a real one), people's own emails on example.com/.org/
 * .net, and phones in the ranges no one owns where there is one (+44 7700 900xxx is Ofcom's
 * range for drama). Every generator takes a seeded Random, so the same batch is the same data.
 */

const NORWEGIAN_FIRST = [
  'Ingrid',
  'Kari',
  'Nora',
  'Emma',
  'Sofie',
  'Maja',
  'Ida',
  'Hanne',
  'Silje',
  'Marit',
  'Astrid',
  'Sigrid',
  'Tone',
  'Liv',
  'Ragnhild',
  'Solveig',
  'Thea',
  'Ole',
  'Lars',
  'Jakob',
  'Emil',
  'Henrik',
  'Magnus',
  'Sindre',
  'Eirik',
  'Håkon',
  'Kristian',
  'Bjørn',
  'Knut',
  'Torbjørn',
  'Per',
  'Anders',
  'Jonas',
  'Sander',
  'Øystein',
  'Åse',
  'Trond',
  'Geir',
  'Vegard',
  'Aslak',
] as const;
const NORWEGIAN_LAST = [
  'Hansen',
  'Johansen',
  'Olsen',
  'Larsen',
  'Andersen',
  'Pedersen',
  'Nilsen',
  'Kristiansen',
  'Jensen',
  'Karlsen',
  'Johnsen',
  'Pettersen',
  'Eriksen',
  'Berg',
  'Haugen',
  'Hagen',
  'Johannessen',
  'Andreassen',
  'Jacobsen',
  'Dahl',
  'Jørgensen',
  'Halvorsen',
  'Lund',
  'Solberg',
  'Bakken',
  'Strand',
  'Moen',
  'Sæther',
  'Holm',
  'Aas',
  'Lie',
  'Kvamme',
  'Myhre',
  'Nygård',
  'Øvrebø',
  'Tveit',
  'Rønning',
  'Fjeld',
] as const;
const INTERNATIONAL_FIRST = [
  'Anna',
  'Maria',
  'Sara',
  'Laura',
  'Chloé',
  'Lucía',
  'Aisha',
  'Fatima',
  'Mei',
  'Yuki',
  'Priya',
  'Olga',
  'Zofia',
  'Amara',
  'James',
  'David',
  'Lukas',
  'Mateo',
  'Luca',
  'Pierre',
  'Ahmed',
  'Omar',
  'Wei',
  'Kenji',
  'Arjun',
  'Piotr',
  'Mikko',
  'Sven',
  'Tomás',
  'Kwame',
  'Niamh',
  'Siobhan',
] as const;
const INTERNATIONAL_LAST = [
  'Smith',
  'Müller',
  'García',
  'Rossi',
  'Dubois',
  'Kowalski',
  'Nowak',
  'Virtanen',
  'Svensson',
  'Lindqvist',
  'Jensen',
  'de Vries',
  'Murphy',
  "O'Brien",
  'Fernández',
  'Silva',
  'Tanaka',
  'Chen',
  'Wang',
  'Kim',
  'Patel',
  'Sharma',
  'Hassan',
  'Ali',
  'Mensah',
  'Novak',
  'Horvath',
  'Papadopoulos',
  'Yilmaz',
  'Ivanova',
] as const;
const TITLES = [
  'CEO',
  'CFO',
  'CTO',
  'Daglig leder',
  'Salgssjef',
  'Head of Sales',
  'Account Manager',
  'Key Account Manager',
  'Innkjøpssjef',
  'Procurement Lead',
  'Marketing Manager',
  'Markedssjef',
  'Product Owner',
  'Prosjektleder',
  'Project Manager',
  'HR Manager',
  'Økonomisjef',
  'Office Manager',
  'Consultant',
  'Rådgiver',
  'Engineer',
  'Software Developer',
  'Designer',
  'Operations Lead',
  'Customer Success Manager',
  'Partner',
] as const;
const NORWEGIAN_CITIES = [
  { city: 'Oslo', postalCode: '0150' },
  { city: 'Bergen', postalCode: '5003' },
  { city: 'Trondheim', postalCode: '7011' },
  { city: 'Stavanger', postalCode: '4006' },
  { city: 'Tromsø', postalCode: '9008' },
  { city: 'Kristiansand', postalCode: '4611' },
  { city: 'Drammen', postalCode: '3015' },
  { city: 'Fredrikstad', postalCode: '1606' },
  { city: 'Bodø', postalCode: '8006' },
  { city: 'Ålesund', postalCode: '6002' },
  { city: 'Lillehammer', postalCode: '2609' },
  { city: 'Hamar', postalCode: '2317' },
] as const;
const FOREIGN_CITIES = [
  { city: 'Stockholm', postalCode: '111 21', country: 'SE' },
  { city: 'Göteborg', postalCode: '411 06', country: 'SE' },
  { city: 'København', postalCode: '1050', country: 'DK' },
  { city: 'Helsinki', postalCode: '00100', country: 'FI' },
  { city: 'London', postalCode: 'EC1A 1BB', country: 'GB' },
  { city: 'Berlin', postalCode: '10115', country: 'DE' },
  { city: 'Amsterdam', postalCode: '1012 AB', country: 'NL' },
  { city: 'Paris', postalCode: '75001', country: 'FR' },
] as const;
const STREETS = [
  'Storgata',
  'Kirkegata',
  'Dronningens gate',
  'Strandveien',
  'Parkveien',
  'Skolegata',
  'Industriveien',
  'Havnegata',
  'Fjordveien',
  'Solliveien',
  'Bryggen',
  'Torggata',
] as const;
const COMPANY_STEMS = [
  'Fjord',
  'Nordlys',
  'Vind',
  'Berg',
  'Havørn',
  'Polar',
  'Midnatt',
  'Skog',
  'Elv',
  'Stein',
  'Bølge',
  'Furu',
  'Lyng',
  'Tind',
  'Nordkapp',
  'Glitre',
  'Sølv',
  'Kyst',
  'Vidde',
  'Brygge',
  'Aurora',
  'Boreal',
  'Tundra',
  'Skagerak',
  'Lofoten',
  'Hardanger',
  'Jotun',
  'Trollheim',
  'Viking',
  'Saga',
] as const;
const COMPANY_KINDS = [
  'Analyse',
  'Consulting',
  'Data',
  'Energi',
  'Eiendom',
  'Bygg',
  'Logistikk',
  'Software',
  'Media',
  'Design',
  'Marine',
  'Helse',
  'Regnskap',
  'Advokater',
  'Solutions',
  'Systems',
  'Mat',
  'Reiser',
  'Finans',
  'Robotics',
] as const;
const COMPANY_FORMS = ['AS', 'AS', 'AS', 'ASA', 'AB', 'Ltd', 'GmbH', 'ApS'] as const;
const INDUSTRIES = [
  'Software',
  'Consulting',
  'Energy',
  'Real estate',
  'Construction',
  'Logistics',
  'Media',
  'Seafood',
  'Healthcare',
  'Accounting',
  'Legal',
  'Retail',
  'Travel',
  'Finance',
  'Manufacturing',
  'Education',
] as const;
const PERSON_TAGS = ['vip', 'newsletter', 'event-2026', 'partner', 'referral', 'webinar', 'trade-fair'] as const;
const COMPANY_TAGS = ['key-account', 'partner', 'reseller', 'public-sector', 'startup'] as const;
const ROLES = ['Decision maker', 'Champion', 'Influencer', 'Technical contact', 'Billing contact', null] as const;
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;

/** The tag every demo person and company carries, so that a user can find (and remove) them. */
export const DEMO_TAG = 'demo';

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'o')
    .replace(/å/g, 'a')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function digits(r: Random, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(r.int(0, 9));
  return s;
}

/** A mobile number as people type it; the server normalises it to E.164. */
function phone(r: Random, country: string): string {
  if (country === 'GB') return `+44 7700 900${digits(r, 3)}`;
  if (country === 'SE') return `+46 70 ${digits(r, 3)} ${digits(r, 2)} ${digits(r, 2)}`;
  if (country === 'DK') return `+45 ${r.int(20, 29)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`;
  if (country === 'DE') return `+49 151 ${digits(r, 8)}`;
  return `+47 ${r.pick(['4', '9'])}${digits(r, 2)} ${digits(r, 2)} ${digits(r, 3)}`;
}

export type DemoCompanyRef = { id: string; domain: string | null };

/** The body of company number `index` (its name is unique in the demo set). */
export function demoCompany(r: Random, index: number): TCreateCompanyBody {
  const stem = COMPANY_STEMS[index % COMPANY_STEMS.length] ?? 'Fjord';
  const kind = COMPANY_KINDS[Math.floor(index / COMPANY_STEMS.length) % COMPANY_KINDS.length] ?? 'Data';
  const round = Math.floor(index / (COMPANY_STEMS.length * COMPANY_KINDS.length));
  const form = r.pick(COMPANY_FORMS);
  const name = `${stem} ${kind}${round ? ` ${round + 1}` : ''} ${form}`;
  const foreign = form === 'AB' || form === 'Ltd' || form === 'GmbH' || form === 'ApS';
  const place = foreign
    ? (FOREIGN_CITIES.find((c) => c.country === { AB: 'SE', Ltd: 'GB', GmbH: 'DE', ApS: 'DK' }[form]) ??
      FOREIGN_CITIES[0])
    : { ...r.pick(NORWEGIAN_CITIES), country: 'NO' };
  return {
    name,
    domain: `${slug(`${stem}-${kind}${round ? `-${round + 1}` : ''}`)}.example`,
    orgNumber: form === 'AS' || form === 'ASA' ? `9${digits(r, 8)}` : null,
    address: {
      street: `${r.pick(STREETS)} ${r.int(1, 120)}`,
      postalCode: place.postalCode,
      city: place.city,
      country: place.country,
    },
    industry: r.pick(INDUSTRIES),
    size: r.pick(COMPANY_SIZES),
    tags: r.chance(0.3) ? [DEMO_TAG, r.pick(COMPANY_TAGS)] : [DEMO_TAG],
  };
}

/** The body of one demo person, maybe working at one of `companies`. */
export function demoPerson(
  r: Random,
  companies: readonly DemoCompanyRef[],
  opts: { teamId: string | null },
): Omit<TCreatePersonBody, 'companies'> & { companies: { companyId: string; role?: string | null }[] } {
  const norwegian = r.chance(0.7);
  const firstName = norwegian ? r.pick(NORWEGIAN_FIRST) : r.pick(INTERNATIONAL_FIRST);
  const lastName = norwegian ? r.pick(NORWEGIAN_LAST) : r.pick(INTERNATIONAL_LAST);
  const country = norwegian ? 'NO' : r.pick(['SE', 'DK', 'GB', 'DE', 'NO'] as const);
  const place =
    country === 'NO'
      ? r.pick(NORWEGIAN_CITIES)
      : (FOREIGN_CITIES.find((c) => c.country === country) ?? FOREIGN_CITIES[0]);
  const company = companies.length > 0 && r.chance(0.75) ? r.pick(companies) : null;
  const local = `${slug(firstName)}.${slug(lastName)}${r.int(1, 999)}`.replace(/-/g, '');
  const emails: { value: string; type: 'work' | 'home'; primary?: boolean }[] = [];
  if (company?.domain) emails.push({ value: `${local}@${company.domain}`, type: 'work', primary: true });
  if (!company || r.chance(0.3)) emails.push({ value: `${local}@${r.pick(EMAIL_DOMAINS)}`, type: 'home' });
  const phones = r.chance(0.85) ? [{ value: phone(r, country), type: 'mobile' as const }] : [];
  const categories = company
    ? [r.pick(['client', 'client', 'prospect', 'supplier', 'collaborator'] as const)]
    : [r.pick(['prospect', 'client', 'collaborator', 'job_applicant'] as const)];
  const tags = [DEMO_TAG];
  if (r.chance(0.35)) tags.push(r.pick(PERSON_TAGS));
  const roll = r.next();
  const visibility = roll < 0.06 ? 'private' : roll < 0.12 && opts.teamId ? 'team' : 'workspace';
  return {
    firstName,
    lastName,
    emails,
    phones,
    title: company || r.chance(0.4) ? r.pick(TITLES) : null,
    address: { street: `${r.pick(STREETS)} ${r.int(1, 120)}`, postalCode: place.postalCode, city: place.city, country },
    companies: company ? [{ companyId: company.id, role: r.pick(ROLES) }] : [],
    tags,
    subjectCategories: categories,
    visibility,
    ...(visibility === 'team' ? { teamId: opts.teamId } : {}),
  };
}

const DEAL_WHAT = [
  'Lisensavtale',
  'Rammeavtale',
  'Pilot',
  'Support agreement',
  'Onboarding',
  'Workshop',
  'Integrasjon',
  'Expansion',
  'Renewal',
  'Konsulentbistand',
  'Hardware refresh',
  'Opplæring',
] as const;

export function demoDealName(r: Random, companyName: string | null): string {
  const what = r.pick(DEAL_WHAT);
  return companyName ? `${companyName}: ${what}` : `${what} ${r.int(2026, 2027)}`;
}

/** An amount in øre/cents, rounded to whole thousands. */
export function demoAmount(r: Random): number {
  return r.int(5, 900) * 1000 * 100;
}

const TASK_TITLES = [
  'Ring tilbake',
  'Send tilbud',
  'Follow up on proposal',
  'Book møte',
  'Prepare demo',
  'Send kontrakt',
  'Check references',
  'Oppdater CRM-notater',
  'Schedule onboarding',
  'Send faktura',
  'Plan workshop',
  'Sjekk budsjett',
  'Reply to questions',
  'Intro call',
] as const;

export function demoTaskTitle(r: Random): string {
  return r.pick(TASK_TITLES);
}

const NOTE_BODIES = [
  '<p>Hadde en god prat. Interessert i <strong>årsavtale</strong>, vil ha pris innen fredag.</p>',
  '<p>Met at the trade fair. Wants a demo for their team in <em>Q1</em>.</p>',
  '<p>Budsjettet er godkjent. Neste steg:</p><ul><li>Send tilbud</li><li>Book teknisk gjennomgang</li></ul>',
  '<p>Asked about data residency: we host in the EU. Follow up with the security overview.</p>',
  '<p>Ny kontaktperson etter omorganisering. Oppdater avtalen.</p>',
  '<p>Price is the main concern; a <strong>pilot</strong> could help.</p>',
  '<p>Fornøyd med leveransen. Mulighet for utvidelse til flere avdelinger.</p>',
  '<p>Decision postponed to next quarter.</p>',
] as const;

export function demoNoteHtml(r: Random): string {
  return r.pick(NOTE_BODIES);
}

const CALL_SUBJECTS = ['Oppfølging', 'Follow-up call', 'Intro', 'Pris og vilkår', 'Check-in', 'Kickoff'] as const;
const MEETING_SUBJECTS = ['Demo', 'Workshop', 'Lunsjmøte', 'Quarterly review', 'Kontraktsmøte'] as const;

export function demoInteractionSubject(r: Random, kind: 'call' | 'meeting'): string {
  return kind === 'call' ? r.pick(CALL_SUBJECTS) : r.pick(MEETING_SUBJECTS);
}
