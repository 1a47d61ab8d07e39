import { Button, CloseButton, Group, NativeSelect, Paper, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ButtonLink } from '../../components/links.tsx';
import { firstFieldError, RemoteSelect } from '../../components/record-fields.tsx';
import { ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { ApiError, fieldError } from '../../lib/api.ts';
import { focusFirstInvalid } from '../../lib/records.ts';
import { meQuery } from '../account/account.api.ts';
import { companyQuery, searchCompanies } from '../companies/companies.api.ts';
import {
  CustomFieldsFormSection,
  customFieldsBody,
  type TDraft as TCustomDraft,
} from '../custom-fields/custom-field-input.tsx';
import { customFieldsQuery } from '../custom-fields/custom-fields.api.ts';
import {
  personName,
  personQuery,
  searchPeople,
  type TVisibility,
  useTeamOptions,
  VISIBILITIES,
} from '../people/people.api.ts';
import { currentWorkspaceQuery, membersQuery } from '../workspaces/workspaces.api.ts';
import { CompanyName } from './deal-bits.tsx';
import {
  amountText,
  CURRENCIES,
  createDeal,
  dealQuery,
  parseAmount,
  pipelinesQuery,
  type TDeal,
  type TPipeline,
  type TUpdateDealBody,
  updateDeal,
} from './deals.api.ts';

type TDraft = {
  name: string;
  pipelineId: string;
  stageId: string;
  amount: string;
  currency: string;
  expectedCloseDate: string;
  probability: string;
  ownerId: string;
  company: { id: string | null; label: string };
  people: { id: string; label: string | null }[];
  visibility: TVisibility;
  teamId: string;
  /** Custom field values as the inputs hold them, by key. */
  custom: Record<string, TCustomDraft>;
};

function draftOf(d: TDeal | undefined, defaults: { meId?: string; pipeline?: TPipeline; currency: string }): TDraft {
  return {
    name: d?.name ?? '',
    pipelineId: d?.pipelineId ?? defaults.pipeline?.id ?? '',
    stageId: d?.stageId ?? defaults.pipeline?.stages[0]?.id ?? '',
    amount: d ? amountText(d.amount, d.currency) : '',
    currency: d?.currency ?? defaults.currency,
    expectedCloseDate: d?.expectedCloseDate ?? '',
    probability: d?.probability === null || d?.probability === undefined ? '' : String(d.probability),
    ownerId: d ? (d.ownerId ?? '') : (defaults.meId ?? ''),
    company: { id: d?.companyId ?? null, label: '' },
    people: (d?.personIds ?? []).map((id) => ({ id, label: null })),
    visibility: d?.visibility ?? 'workspace',
    teamId: d?.teamId ?? '',
    custom: Object.fromEntries(
      Object.entries(d?.customFields ?? {}).map(([k, v]) => [k, Array.isArray(v) ? [...v] : String(v)]),
    ),
  };
}

/** Fields the browser can check before the server does: a local ApiError shows them beside their inputs. */
function bodyOf(d: TDraft, t: (key: 'deals.badAmount' | 'deals.badProbability') => string): TUpdateDealBody {
  const amount = parseAmount(d.amount, d.currency);
  const probability = d.probability.trim() === '' ? null : Number(d.probability);
  const fields: Record<string, string> = {};
  if (amount === undefined) fields.amount = t('deals.badAmount');
  if (probability !== null && (!Number.isInteger(probability) || probability < 0 || probability > 100)) {
    fields.probability = t('deals.badProbability');
  }
  if (Object.keys(fields).length) throw new ApiError(422, 'validation', Object.values(fields).join(' '), fields);
  return {
    name: d.name.trim(),
    amount: amount ?? 0,
    currency: d.currency,
    expectedCloseDate: d.expectedCloseDate || null,
    probability,
    ownerId: d.ownerId || undefined,
    companyId: d.company.id,
    personIds: d.people.map((p) => p.id),
    visibility: d.visibility,
    teamId: d.visibility === 'team' ? d.teamId || null : null,
  };
}

const newRoute = getRouteApi('/app/deals/new');
const editRoute = getRouteApi('/app/deals/$dealId/edit');

const COUNTRY_CURRENCY: Record<string, string> = {
  NO: 'NOK',
  SE: 'SEK',
  DK: 'DKK',
  GB: 'GBP',
  US: 'USD',
  CH: 'CHF',
};

/** The workspace's country decides (Norway: NOK); else the language (nb: NOK), else EUR. */
function defaultCurrency(language: string, country?: string | null): string {
  if (country) return COUNTRY_CURRENCY[country] ?? 'EUR';
  return language.startsWith('nb') ? 'NOK' : 'EUR';
}

export function NewDealPage() {
  const { t, i18n } = useTranslation();
  const { pipelineId } = newRoute.useSearch();
  const me = useQuery(meQuery).data;
  const pipelines = useQuery(pipelinesQuery);
  const workspace = useQuery({ ...currentWorkspaceQuery, retry: false });
  const pipeline = pipelines.data?.find((p) => p.id === pipelineId) ?? pipelines.data?.[0];
  return (
    <Page title={t('deals.newTitle')}>
      {pipelines.isPending || workspace.isPending ? (
        <Loading />
      ) : pipelines.isError ? (
        <ErrorAlert error={pipelines.error} />
      ) : (
        <DealForm
          pipelines={pipelines.data}
          initial={draftOf(undefined, {
            meId: me?.id,
            pipeline,
            currency: defaultCurrency(i18n.language, workspace.data?.country),
          })}
        />
      )}
    </Page>
  );
}

export function EditDealPage() {
  const { t, i18n } = useTranslation();
  const { dealId } = editRoute.useParams();
  const deal = useQuery(dealQuery(dealId));
  const pipelines = useQuery(pipelinesQuery);
  // The picker shows the company's name from the start: wait for it (a failure leaves it blank).
  const companyId = deal.data?.companyId ?? '';
  const company = useQuery({ ...companyQuery(companyId), enabled: Boolean(companyId), retry: false });
  const companyPending = Boolean(companyId) && company.isPending && company.fetchStatus !== 'idle';
  return (
    <Page title={deal.data ? t('deals.editTitle', { name: deal.data.name }) : t('deals.title')}>
      {deal.isPending || pipelines.isPending || companyPending ? (
        <Loading />
      ) : deal.isError || pipelines.isError ? (
        <ErrorAlert error={deal.error ?? pipelines.error} />
      ) : (
        <DealForm
          key={deal.data.id}
          deal={deal.data}
          pipelines={pipelines.data}
          initial={{
            ...draftOf(deal.data, { currency: defaultCurrency(i18n.language) }),
            company: { id: deal.data.companyId, label: company.data?.name ?? '' },
          }}
        />
      )}
    </Page>
  );
}

function DealForm(props: { deal?: TDeal; pipelines: TPipeline[]; initial: TDraft }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [d, setD] = useState<TDraft>(props.initial);
  const [pick, setPick] = useState<{ id: string | null; label: string }>({ id: null, label: '' });
  const formRef = useRef<HTMLFormElement>(null);
  const set = (patch: Partial<TDraft>) => setD((prev) => ({ ...prev, ...patch }));
  const members = useQuery(membersQuery);
  const teams = useTeamOptions();
  const customFields = useQuery(customFieldsQuery('deal'));
  const pipeline = props.pipelines.find((p) => p.id === d.pipelineId);
  const currencies = CURRENCIES.includes(d.currency as (typeof CURRENCIES)[number])
    ? [...CURRENCIES]
    : [d.currency, ...CURRENCIES];

  const save = useMutation({
    mutationFn: async () => {
      const body = { ...bodyOf(d, t), customFields: customFieldsBody(customFields.data, d.custom) };
      if (props.deal) return updateDeal(props.deal.id, body);
      return createDeal({
        ...body,
        name: body.name ?? '',
        currency: d.currency,
        pipelineId: d.pipelineId,
        stageId: d.stageId || undefined,
      });
    },
    onError: () => setTimeout(() => focusFirstInvalid(formRef.current)),
    onSuccess: async (deal) => {
      queryClient.setQueryData(dealQuery(deal.id).queryKey, deal);
      await queryClient.invalidateQueries({ queryKey: ['deals'] });
      await navigate({ to: '/deals/$dealId', params: { dealId: deal.id } });
    },
  });
  const e = save.error;

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
        <Section title={t('deals.details')}>
          <TextInput
            name="name"
            label={t('deals.name')}
            required
            data-autofocus
            value={d.name}
            onChange={(ev) => set({ name: ev.currentTarget.value })}
            error={fieldError(e, 'name')}
          />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <NativeSelect
              name="pipelineId"
              label={t('deals.pipeline')}
              value={d.pipelineId}
              disabled={Boolean(props.deal)}
              onChange={(ev) => {
                const next = props.pipelines.find((p) => p.id === ev.currentTarget.value);
                set({ pipelineId: ev.currentTarget.value, stageId: next?.stages[0]?.id ?? '' });
              }}
              data={props.pipelines.map((p) => ({ value: p.id, label: p.name }))}
              error={fieldError(e, 'pipelineId')}
            />
            <NativeSelect
              name="stageId"
              label={t('deals.stage')}
              description={props.deal ? t('deals.stageOnBoard') : undefined}
              value={d.stageId}
              disabled={Boolean(props.deal)}
              onChange={(ev) => set({ stageId: ev.currentTarget.value })}
              data={(pipeline?.stages ?? []).map((s) => ({ value: s.id, label: s.name }))}
              error={fieldError(e, 'stageId')}
            />
            <TextInput
              name="amount"
              label={t('deals.amount')}
              inputMode="decimal"
              autoComplete="off"
              value={d.amount}
              onChange={(ev) => set({ amount: ev.currentTarget.value })}
              error={fieldError(e, 'amount')}
            />
            <NativeSelect
              name="currency"
              label={t('deals.currency')}
              value={d.currency}
              onChange={(ev) => set({ currency: ev.currentTarget.value })}
              data={currencies}
              error={fieldError(e, 'currency')}
            />
            <TextInput
              type="date"
              name="expectedCloseDate"
              label={t('deals.expectedClose')}
              value={d.expectedCloseDate}
              onChange={(ev) => set({ expectedCloseDate: ev.currentTarget.value })}
              error={fieldError(e, 'expectedCloseDate')}
            />
            <TextInput
              type="number"
              name="probability"
              label={t('deals.probability')}
              description={t('deals.probabilityHint')}
              min={0}
              max={100}
              step={1}
              value={d.probability}
              onChange={(ev) => set({ probability: ev.currentTarget.value })}
              error={fieldError(e, 'probability')}
            />
          </SimpleGrid>
          <CustomFieldsFormSection
            object="deal"
            values={d.custom}
            onChange={(key, value) => set({ custom: { ...d.custom, [key]: value } })}
            error={e}
          />
        </Section>
        <Section title={t('deals.parties')}>
          <RemoteSelect
            name="companyId"
            label={t('records.company')}
            queryKey="companies"
            search={searchCompanies}
            value={d.company.id}
            valueLabel={d.company.label || undefined}
            onChange={(id, label) => set({ company: { id, label } })}
            error={fieldError(e, 'companyId')}
            w={360}
          />
          {d.company.id && !d.company.label && (
            <Text size="xs" c="dimmed">
              <CompanyName id={d.company.id} />
            </Text>
          )}
          <Stack gap={4}>
            <RemoteSelect
              label={t('deals.addPerson')}
              queryKey="people"
              search={searchPeople}
              value={pick.id}
              valueLabel={pick.label}
              onChange={(id, label) => {
                if (id && !d.people.some((p) => p.id === id)) set({ people: [...d.people, { id, label }] });
                setPick({ id: null, label: '' });
              }}
              error={firstFieldError(e, 'personIds')}
              w={360}
            />
            {d.people.length > 0 && (
              <Paper
                withBorder
                p="xs"
                maw={360}
                component="ul"
                style={{ listStyle: 'none' }}
                aria-label={t('deals.people')}
              >
                {d.people.map((p) => (
                  <PersonRow
                    key={p.id}
                    id={p.id}
                    label={p.label}
                    onRemove={() => set({ people: d.people.filter((x) => x.id !== p.id) })}
                  />
                ))}
              </Paper>
            )}
          </Stack>
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
          {props.deal ? (
            <ButtonLink variant="default" to="/deals/$dealId" params={{ dealId: props.deal.id }}>
              {t('common.cancel')}
            </ButtonLink>
          ) : (
            <ButtonLink variant="default" to="/deals" search={{ pipelineId: d.pipelineId || undefined }}>
              {t('common.cancel')}
            </ButtonLink>
          )}
        </Group>
      </Stack>
    </form>
  );
}

function PersonRow(props: { id: string; label: string | null; onRemove: () => void }) {
  const { t } = useTranslation();
  const person = useQuery({ ...personQuery(props.id), enabled: props.label === null, staleTime: 60_000, retry: false });
  const name = props.label ?? (person.data ? personName(person.data) : '…');
  return (
    <Group component="li" justify="space-between" gap="xs" wrap="nowrap">
      <Text size="sm">{name}</Text>
      <CloseButton size="sm" aria-label={t('deals.removePerson', { name })} onClick={props.onRemove} />
    </Group>
  );
}
