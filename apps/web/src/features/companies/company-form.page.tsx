import { Button, Group, NativeSelect, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ButtonLink } from '../../components/links.tsx';
import {
  AddressFields,
  addressDraft,
  addressInput,
  EMPTY_ADDRESS,
  firstFieldError,
  type TAddressDraft,
  TagsField,
} from '../../components/record-fields.tsx';
import { ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { focusFirstInvalid } from '../../lib/records.ts';
import { meQuery } from '../account/account.api.ts';
import {
  CustomFieldsFormSection,
  customFieldsBody,
  type TDraft as TCustomDraft,
} from '../custom-fields/custom-field-input.tsx';
import { customFieldsQuery } from '../custom-fields/custom-fields.api.ts';
import { type TVisibility, useTeamOptions, VISIBILITIES } from '../people/people.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import {
  COMPANY_SIZES,
  companyQuery,
  createCompany,
  type TCompany,
  type TUpdateCompanyBody,
  updateCompany,
} from './companies.api.ts';

type TDraft = {
  name: string;
  domain: string;
  orgNumber: string;
  industry: string;
  size: string;
  address: TAddressDraft;
  ownerId: string;
  tags: string[];
  visibility: TVisibility;
  teamId: string;
  /** Custom field values as the inputs hold them, by key. */
  custom: Record<string, TCustomDraft>;
};

function draftOf(c: TCompany | undefined, meId: string | undefined): TDraft {
  return {
    name: c?.name ?? '',
    domain: c?.domain ?? '',
    orgNumber: c?.orgNumber ?? '',
    industry: c?.industry ?? '',
    size: c?.size ?? '',
    address: c ? addressDraft(c.address) : EMPTY_ADDRESS,
    ownerId: c ? (c.ownerId ?? '') : (meId ?? ''),
    tags: c ? [...c.tags] : [],
    visibility: c?.visibility ?? 'workspace',
    teamId: c?.teamId ?? '',
    custom: Object.fromEntries(
      Object.entries(c?.customFields ?? {}).map(([k, v]) => [k, Array.isArray(v) ? [...v] : String(v)]),
    ),
  };
}

function bodyOf(d: TDraft): TUpdateCompanyBody {
  return {
    name: d.name.trim(),
    domain: d.domain.trim() || null,
    orgNumber: d.orgNumber.trim() || null,
    industry: d.industry.trim() || null,
    size: (d.size || null) as TUpdateCompanyBody['size'],
    address: addressInput(d.address) ?? { street: null, postalCode: null, city: null, state: null, country: null },
    ownerId: d.ownerId || undefined,
    tags: d.tags,
    visibility: d.visibility,
    teamId: d.visibility === 'team' ? d.teamId || null : null,
  };
}

const editRoute = getRouteApi('/app/companies/$companyId/edit');

export function NewCompanyPage() {
  const { t } = useTranslation();
  const me = useQuery(meQuery).data;
  return (
    <Page title={t('companies.newTitle')}>
      <CompanyForm initial={draftOf(undefined, me?.id)} />
    </Page>
  );
}

export function EditCompanyPage() {
  const { t } = useTranslation();
  const { companyId } = editRoute.useParams();
  const company = useQuery(companyQuery(companyId));
  const me = useQuery(meQuery).data;
  return (
    <Page title={company.data ? t('companies.editTitle', { name: company.data.name }) : t('companies.title')}>
      {company.isPending ? (
        <Loading />
      ) : company.isError ? (
        <ErrorAlert error={company.error} />
      ) : (
        <CompanyForm key={company.data.id} companyId={company.data.id} initial={draftOf(company.data, me?.id)} />
      )}
    </Page>
  );
}

function CompanyForm(props: { companyId?: string; initial: TDraft }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [d, setD] = useState<TDraft>(props.initial);
  const formRef = useRef<HTMLFormElement>(null);
  const set = (patch: Partial<TDraft>) => setD((prev) => ({ ...prev, ...patch }));
  const members = useQuery(membersQuery);
  const teams = useTeamOptions();
  const customFields = useQuery(customFieldsQuery('company'));

  const save = useMutation({
    mutationFn: () => {
      const body = { ...bodyOf(d), customFields: customFieldsBody(customFields.data, d.custom) };
      return props.companyId ? updateCompany(props.companyId, body) : createCompany({ ...body, name: body.name ?? '' });
    },
    onError: () => focusFirstInvalid(formRef.current),
    onSuccess: async (company) => {
      await queryClient.invalidateQueries({ queryKey: ['companies'] });
      await queryClient.invalidateQueries({ queryKey: ['people'] });
      await navigate({ to: '/companies/$companyId', params: { companyId: company.id } });
    },
  });
  const e = save.error;
  const text = (key: 'name' | 'domain' | 'orgNumber' | 'industry', label: string, extra?: object) => (
    <TextInput
      name={key}
      label={label}
      value={d[key]}
      onChange={(ev) => set({ [key]: ev.currentTarget.value })}
      error={fieldError(e, key)}
      {...extra}
    />
  );

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
        <Section title={t('companies.details')}>
          {text('name', t('common.name'), { required: true, 'data-autofocus': true })}
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            {text('domain', t('companies.domain'), { placeholder: 'example.com' })}
            {text('orgNumber', t('companies.orgNumber'))}
            {text('industry', t('companies.industry'))}
            <NativeSelect
              name="size"
              label={t('companies.size')}
              value={d.size}
              onChange={(ev) => set({ size: ev.currentTarget.value })}
              data={[
                { value: '', label: '—' },
                ...COMPANY_SIZES.map((s) => ({ value: s, label: t('companies.sizeOption', { size: s }) })),
              ]}
              error={fieldError(e, 'size')}
            />
          </SimpleGrid>
          <AddressFields value={d.address} onChange={(address) => set({ address })} error={e} />
          <CustomFieldsFormSection
            object="company"
            values={d.custom}
            onChange={(key, value) => set({ custom: { ...d.custom, [key]: value } })}
            error={e}
          />
        </Section>
        <Section title={t('records.access')}>
          <TagsField
            label={t('records.tags')}
            description={t('records.tagsHint')}
            value={d.tags}
            onChange={(tags) => set({ tags })}
            error={firstFieldError(e, 'tags')}
          />
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
          {props.companyId ? (
            <ButtonLink variant="default" to="/companies/$companyId" params={{ companyId: props.companyId }}>
              {t('common.cancel')}
            </ButtonLink>
          ) : (
            <ButtonLink variant="default" to="/companies">
              {t('common.cancel')}
            </ButtonLink>
          )}
        </Group>
      </Stack>
    </form>
  );
}
