import { Button, Checkbox, Group, NativeSelect, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ButtonLink } from '../../components/links.tsx';
import {
  AddressFields,
  addressDraft,
  addressInput,
  ContactRowsField,
  compactIndex,
  EMPTY_ADDRESS,
  firstFieldError,
  RemoteSelect,
  type TAddressDraft,
  TagsField,
  type TContactRow,
} from '../../components/record-fields.tsx';
import { ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { focusFirstInvalid } from '../../lib/records.ts';
import { meQuery } from '../account/account.api.ts';
import { searchCompanies } from '../companies/companies.api.ts';
import {
  CustomFieldsFormSection,
  customFieldsBody,
  type TDraft as TCustomDraft,
} from '../custom-fields/custom-field-input.tsx';
import { customFieldsQuery, type TCustomField } from '../custom-fields/custom-fields.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import {
  createPerson,
  EMAIL_TYPES,
  linkCompany,
  PHONE_TYPES,
  personName,
  personQuery,
  SUBJECT_CATEGORIES,
  type TPerson,
  type TSubjectCategory,
  type TUpdatePersonBody,
  type TVisibility,
  unlinkCompany,
  updatePerson,
  useTeamOptions,
  VISIBILITIES,
} from './people.api.ts';

type TCompanyRow = { companyId: string | null; name: string; role: string };
type TDraft = {
  firstName: string;
  lastName: string;
  title: string;
  emails: TContactRow[];
  phones: TContactRow[];
  address: TAddressDraft;
  companies: TCompanyRow[];
  ownerId: string;
  tags: string[];
  subjectCategories: TSubjectCategory[];
  visibility: TVisibility;
  teamId: string;
  /** Custom field values as the inputs hold them, by key. */
  custom: Record<string, TCustomDraft>;
};

function draftOf(p: TPerson | undefined, meId: string | undefined): TDraft {
  if (!p) {
    return {
      firstName: '',
      lastName: '',
      title: '',
      emails: [{ type: 'work', value: '', primary: true }],
      phones: [{ type: 'mobile', value: '', primary: true }],
      address: EMPTY_ADDRESS,
      companies: [],
      ownerId: meId ?? '',
      tags: [],
      subjectCategories: [],
      visibility: 'workspace',
      teamId: '',
      custom: {},
    };
  }
  return {
    firstName: p.firstName,
    lastName: p.lastName,
    title: p.title ?? '',
    // An empty row is ready to type in; rows left empty are not sent.
    emails: p.emails.length ? p.emails.map((e) => ({ ...e })) : [{ type: 'work', value: '', primary: true }],
    phones: p.phones.length ? p.phones.map((e) => ({ ...e })) : [{ type: 'mobile', value: '', primary: true }],
    address: addressDraft(p.address),
    companies: p.companies.map((c) => ({ companyId: c.companyId, name: c.name, role: c.role ?? '' })),
    ownerId: p.ownerId ?? '',
    tags: [...p.tags],
    subjectCategories: [...p.subjectCategories],
    visibility: p.visibility,
    teamId: p.teamId ?? '',
    custom: Object.fromEntries(
      Object.entries(p.customFields ?? {}).map(([k, v]) => [k, Array.isArray(v) ? [...v] : String(v)]),
    ),
  };
}

/** Rows left empty are dropped; exactly one of the rest is primary. */
function contactInput<T extends string>(rows: TContactRow[]) {
  const kept = rows.map((r) => ({ ...r, value: r.value.trim() })).filter((r) => r.value);
  const primary = Math.max(
    0,
    kept.findIndex((r) => r.primary),
  );
  return kept.map((r, i) => ({ type: r.type as T, value: r.value, primary: i === primary }));
}

function bodyOf(d: TDraft): TUpdatePersonBody {
  return {
    firstName: d.firstName.trim(),
    lastName: d.lastName.trim(),
    title: d.title.trim() || null,
    emails: contactInput<(typeof EMAIL_TYPES)[number]>(d.emails),
    phones: contactInput<(typeof PHONE_TYPES)[number]>(d.phones),
    // Every part is sent, so that clearing one clears it on the server too.
    address: addressInput(d.address) ?? { street: null, postalCode: null, city: null, state: null, country: null },
    ownerId: d.ownerId || undefined,
    tags: d.tags,
    subjectCategories: d.subjectCategories,
    visibility: d.visibility,
    teamId: d.visibility === 'team' ? d.teamId || null : null,
  };
}

function linksOf(d: TDraft): { companyId: string; role: string | null }[] {
  const out = new Map<string, string | null>();
  for (const c of d.companies) if (c.companyId) out.set(c.companyId, c.role.trim() || null);
  return [...out].map(([companyId, role]) => ({ companyId, role }));
}

/** Creates the person with its company links, or saves the changes and then brings the
 *  links in line: dropped ones removed, new ones and changed roles linked (linking again
 *  replaces the role). */
async function savePerson(
  personId: string | undefined,
  d: TDraft,
  before: TDraft,
  fields: TCustomField[] | undefined,
): Promise<TPerson> {
  const body = { ...bodyOf(d), customFields: customFieldsBody(fields, d.custom) };
  const links = linksOf(d);
  if (!personId) {
    return createPerson({
      ...body,
      firstName: body.firstName ?? '',
      subjectCategories: d.subjectCategories,
      companies: links,
    });
  }
  let person = await updatePerson(personId, body);
  const old = new Map(linksOf(before).map((l) => [l.companyId, l.role]));
  const next = new Map(links.map((l) => [l.companyId, l.role]));
  for (const companyId of old.keys()) {
    if (!next.has(companyId)) person = await unlinkCompany(personId, companyId);
  }
  for (const [companyId, role] of next) {
    if (!old.has(companyId) || old.get(companyId) !== role) {
      person = await linkCompany(personId, { companyId, role });
    }
  }
  return person;
}

const newRoute = getRouteApi('/app/people/new');
const editRoute = getRouteApi('/app/people/$personId/edit');

export function NewPersonPage() {
  const { t } = useTranslation();
  const me = useQuery(meQuery).data;
  const search = newRoute.useSearch();
  const draft = draftOf(undefined, me?.id);
  if (search.companyId) draft.companies = [{ companyId: search.companyId, name: search.companyName ?? '', role: '' }];
  return (
    <Page title={t('people.newTitle')}>
      <PersonForm initial={draft} />
    </Page>
  );
}

export function EditPersonPage() {
  const { t } = useTranslation();
  const { personId } = editRoute.useParams();
  const person = useQuery(personQuery(personId));
  const me = useQuery(meQuery).data;
  return (
    <Page title={person.data ? t('people.editTitle', { name: personName(person.data) }) : t('people.title')}>
      {person.isPending ? (
        <Loading />
      ) : person.isError ? (
        <ErrorAlert error={person.error} />
      ) : (
        <PersonForm key={person.data.id} personId={person.data.id} initial={draftOf(person.data, me?.id)} />
      )}
    </Page>
  );
}

function PersonForm(props: { personId?: string; initial: TDraft }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [d, setD] = useState<TDraft>(props.initial);
  const customFields = useQuery(customFieldsQuery('person'));
  const formRef = useRef<HTMLFormElement>(null);
  const set = (patch: Partial<TDraft>) => setD((prev) => ({ ...prev, ...patch }));
  const members = useQuery(membersQuery);
  const teams = useTeamOptions();

  const save = useMutation({
    mutationFn: () => savePerson(props.personId, d, props.initial, customFields.data),
    onError: () => focusFirstInvalid(formRef.current),
    onSuccess: async (person) => {
      await queryClient.invalidateQueries({ queryKey: ['people'] });
      await queryClient.invalidateQueries({ queryKey: ['companies'] });
      await navigate({ to: '/people/$personId', params: { personId: person.id } });
    },
  });
  const e = save.error;
  const sentIndex = compactIndex(d.companies.map((c) => Boolean(c.companyId)));

  return (
    <form
      ref={formRef}
      noValidate
      onSubmit={(ev) => {
        ev.preventDefault();
        save.mutate();
      }}
    >
      <Stack gap="md" maw={760}>
        <Section title={t('people.contact')}>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput
              name="firstName"
              label={t('common.firstName')}
              required
              data-autofocus
              value={d.firstName}
              onChange={(ev) => set({ firstName: ev.currentTarget.value })}
              error={fieldError(e, 'firstName')}
            />
            <TextInput
              name="lastName"
              label={t('common.lastName')}
              value={d.lastName}
              onChange={(ev) => set({ lastName: ev.currentTarget.value })}
              error={fieldError(e, 'lastName')}
            />
          </SimpleGrid>
          <TextInput
            name="title"
            label={t('people.jobTitle')}
            value={d.title}
            onChange={(ev) => set({ title: ev.currentTarget.value })}
            error={fieldError(e, 'title')}
          />
          <ContactRowsField
            name="emails"
            legend={t('people.emails')}
            label={t('common.email')}
            inputType="email"
            types={EMAIL_TYPES}
            typeLabel={(type) => t(`contactTypes.${type as (typeof PHONE_TYPES)[number]}`)}
            addLabel={t('people.addEmail')}
            value={d.emails}
            onChange={(emails) => set({ emails })}
            error={e}
          />
          <ContactRowsField
            name="phones"
            legend={t('people.phones')}
            label={t('people.phone')}
            inputType="tel"
            types={PHONE_TYPES}
            typeLabel={(type) => t(`contactTypes.${type as (typeof PHONE_TYPES)[number]}`)}
            addLabel={t('people.addPhone')}
            value={d.phones}
            onChange={(phones) => set({ phones })}
            error={e}
          />
          <AddressFields value={d.address} onChange={(address) => set({ address })} error={e} />
        </Section>

        <Section title={t('people.companies')}>
          <Stack gap="sm">
            {d.companies.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
              <Group key={i} align="flex-end" gap="xs" wrap="nowrap">
                <RemoteSelect
                  label={i === 0 ? t('records.company') : `${t('records.company')} ${i + 1}`}
                  queryKey="companies"
                  search={searchCompanies}
                  value={c.companyId}
                  valueLabel={c.name}
                  onChange={(companyId, name) =>
                    set({ companies: d.companies.map((x, j) => (j === i ? { ...x, companyId, name } : x)) })
                  }
                  error={
                    sentIndex[i] === undefined
                      ? undefined
                      : firstFieldError(e, `companies.${sentIndex[i]}.companyId`, `companies.${sentIndex[i]}`)
                  }
                  w={300}
                />
                <TextInput
                  label={i === 0 ? t('people.role') : `${t('people.role')} ${i + 1}`}
                  value={c.role}
                  onChange={(ev) => {
                    const role = ev.currentTarget.value;
                    set({ companies: d.companies.map((x, j) => (j === i ? { ...x, role } : x)) });
                  }}
                  error={sentIndex[i] === undefined ? undefined : fieldError(e, `companies.${sentIndex[i]}.role`)}
                />
                <Button
                  variant="subtle"
                  color="gray"
                  size="xs"
                  mb={4}
                  aria-label={t('records.removeRow', { n: i + 1 })}
                  onClick={() => set({ companies: d.companies.filter((_, j) => j !== i) })}
                >
                  {t('common.remove')}
                </Button>
              </Group>
            ))}
            <Button
              variant="default"
              size="xs"
              w="fit-content"
              onClick={() => set({ companies: [...d.companies, { companyId: null, name: '', role: '' }] })}
            >
              {t('people.addCompany')}
            </Button>
          </Stack>
        </Section>

        <Section title={t('people.classification')}>
          <TagsField
            label={t('records.tags')}
            description={t('records.tagsHint')}
            value={d.tags}
            onChange={(tags) => set({ tags })}
            error={firstFieldError(e, 'tags')}
          />
          <Checkbox.Group
            withAsterisk
            label={t('people.subjectCategories')}
            description={t('people.subjectCategoriesHint')}
            value={d.subjectCategories}
            onChange={(v) => set({ subjectCategories: v as TSubjectCategory[] })}
            error={firstFieldError(e, 'subjectCategories')}
          >
            <SimpleGrid cols={{ base: 1, xs: 2, sm: 3 }} spacing={6} mt={6}>
              {SUBJECT_CATEGORIES.map((c) => (
                <Checkbox key={c} value={c} label={t(`subjectCategories.${c}`)} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
          <CustomFieldsFormSection
            object="person"
            values={d.custom}
            onChange={(key, value) => set({ custom: { ...d.custom, [key]: value } })}
            error={e}
          />
        </Section>

        <Section title={t('records.access')}>
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <NativeSelect
              name="ownerId"
              label={t('records.owner')}
              value={d.ownerId}
              onChange={(ev) => set({ ownerId: ev.currentTarget.value })}
              data={[
                ...(d.ownerId ? [] : [{ value: '', label: t('records.noOwner') }]),
                ...(members.data ?? []).map((m) => ({ value: m.userId, label: m.name || m.email })),
              ]}
              error={fieldError(e, 'ownerId')}
            />
            <NativeSelect
              name="visibility"
              label={t('records.visibility')}
              value={d.visibility}
              onChange={(ev) => set({ visibility: ev.currentTarget.value as TVisibility })}
              data={VISIBILITIES.map((v) => ({ value: v, label: t(`visibility.${v}`) }))}
              error={fieldError(e, 'visibility')}
            />
            {d.visibility === 'team' && (
              <NativeSelect
                name="teamId"
                label={t('records.team')}
                value={d.teamId}
                onChange={(ev) => set({ teamId: ev.currentTarget.value })}
                data={[{ value: '', label: t('records.chooseTeam') }, ...teams]}
                error={fieldError(e, 'teamId')}
              />
            )}
          </SimpleGrid>
        </Section>

        <ErrorAlert error={e} hideWhenFields />
        <Group>
          <Button type="submit" loading={save.isPending}>
            {t('records.save')}
          </Button>
          {props.personId ? (
            <ButtonLink variant="default" to="/people/$personId" params={{ personId: props.personId }}>
              {t('common.cancel')}
            </ButtonLink>
          ) : (
            <ButtonLink variant="default" to="/people">
              {t('common.cancel')}
            </ButtonLink>
          )}
        </Group>
      </Stack>
    </form>
  );
}
