import { Alert, Badge, Button, Group, Select, Stack, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TConsentMethod, TObjectionScope, TPersonPrivacy } from '@tillit/contracts';
import { CONSENT_METHODS, OBJECTION_SCOPES } from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { ErrorAlert, Loading, Section, SuccessAlert } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';
import { activeWorkspace, meQuery } from '../account/account.api.ts';
import {
  consentHistoryQuery,
  consentStateAtQuery,
  liftRestriction,
  personPrivacyQuery,
  recordConsent,
  recordObjection,
  restrictPerson,
  sendDoubleOptIn,
  withdrawObjection,
} from './consent.api.ts';
import { PersonRetention } from './person-retention.tsx';

/**
 * The "Privacy" panel of a person: whether each purpose may process them now and why not
 * (legal bases), their consents with the ledger and the state at a chosen date, the
 * restriction (a banner: the record is read-only) and their objections. Members who may
 * change people record consents, restrict and record objections; viewers only read.
 */
export function PersonPrivacyPanel({ personId }: { personId: string }) {
  const { t } = useTranslation();
  const me = useQuery(meQuery);
  const role = activeWorkspace(me.data)?.role;
  const canChange = role !== undefined && role !== 'viewer';
  const privacy = useQuery(personPrivacyQuery(personId));
  return (
    <Section title={t('privacyEngine.panelTitle')} intro={t('privacyEngine.panelIntro')}>
      {privacy.isPending ? (
        <Loading />
      ) : privacy.isError ? (
        <ErrorAlert error={privacy.error} />
      ) : (
        <Stack gap="md">
          <Restriction personId={personId} data={privacy.data} canChange={canChange} />
          <Purposes data={privacy.data} />
          <Consents personId={personId} data={privacy.data} canChange={canChange} />
          <Objections personId={personId} data={privacy.data} canChange={canChange} />
          <PersonRetention personId={personId} />
        </Stack>
      )}
    </Section>
  );
}

/** At the top of the person page: the record is read-only while processing is restricted. */
export function RestrictionBanner({ personId }: { personId: string }) {
  const { t } = useTranslation();
  const privacy = useQuery(personPrivacyQuery(personId));
  const r = privacy.data?.restriction;
  if (!r) return null;
  return (
    <Alert color="orange" title={t('privacyEngine.restrictedTitle')} role="status">
      {t('privacyEngine.restrictedText', { reason: r.reason, since: formatDateTime(r.restrictedAt) })}
    </Alert>
  );
}

function useRefresh(personId: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['people', personId] });
}

function Restriction(props: { personId: string; data: TPersonPrivacy; canChange: boolean }) {
  const { t } = useTranslation();
  const refresh = useRefresh(props.personId);
  const [reason, setReason] = useState('');
  const [open, setOpen] = useState(false);
  const change = useMutation({
    mutationFn: () =>
      props.data.restricted ? liftRestriction(props.personId, reason) : restrictPerson(props.personId, reason),
    onSuccess: async () => {
      setReason('');
      setOpen(false);
      await refresh();
    },
  });
  const r = props.data.restriction;
  return (
    <Stack gap="xs">
      {r ? (
        <Alert color="orange" title={t('privacyEngine.restrictedTitle')} role="status">
          {t('privacyEngine.restrictedText', { reason: r.reason, since: formatDateTime(r.restrictedAt) })}
        </Alert>
      ) : (
        <Text size="sm" c="dimmed">
          {t('privacyEngine.notRestricted')}
        </Text>
      )}
      {props.canChange &&
        (open ? (
          <Group align="flex-end">
            <TextInput
              label={props.data.restricted ? t('privacyEngine.liftReason') : t('privacyEngine.restrictReason')}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              error={fieldError(change.error, 'reason')}
              w={360}
            />
            <Button onClick={() => change.mutate()} loading={change.isPending}>
              {props.data.restricted ? t('privacyEngine.lift') : t('privacyEngine.restrict')}
            </Button>
            <Button variant="default" onClick={() => setOpen(false)}>
              {t('common.cancel')}
            </Button>
          </Group>
        ) : (
          <Group>
            <Button variant="light" color={props.data.restricted ? 'teal' : 'orange'} onClick={() => setOpen(true)}>
              {props.data.restricted ? t('privacyEngine.lift') : t('privacyEngine.restrict')}
            </Button>
          </Group>
        ))}
      <ErrorAlert error={change.error} hideWhenFields />
    </Stack>
  );
}

function Purposes({ data }: { data: TPersonPrivacy }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        {t('privacyEngine.purposesTitle')}
      </Title>
      <Table.ScrollContainer minWidth={560}>
        <Table striped withTableBorder fz="sm" aria-label={t('privacyEngine.purposesTitle')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('privacyEngine.purpose')}</Table.Th>
              <Table.Th>{t('privacyEngine.legalBasis')}</Table.Th>
              <Table.Th>{t('privacyEngine.now')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.purposes.map((p) => (
              <Table.Tr key={p.purposeKey}>
                <Table.Td>{p.name}</Table.Td>
                <Table.Td>{t(`privacyEngine.basis.${p.legalBasis}`, { defaultValue: p.legalBasis })}</Table.Td>
                <Table.Td>
                  {p.allowed ? (
                    <Badge color="teal" variant="light">
                      {t('privacyEngine.allowed')}
                    </Badge>
                  ) : (
                    <Text size="sm">
                      <Badge color="red" variant="light" mr={6}>
                        {t('privacyEngine.notAllowed')}
                      </Badge>
                      {p.reason}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

function Consents(props: { personId: string; data: TPersonPrivacy; canChange: boolean }) {
  const { t } = useTranslation();
  const refresh = useRefresh(props.personId);
  const history = useInfiniteQuery(consentHistoryQuery(props.personId));
  const rows = history.data?.pages.flatMap((p) => p.items) ?? [];
  const [at, setAt] = useState('');
  const atIso = at ? new Date(at).toISOString() : '';
  const stateAt = useQuery(consentStateAtQuery(props.personId, atIso));
  const [purposeKey, setPurposeKey] = useState<string | null>(props.data.consents[0]?.purposeKey ?? null);
  const [method, setMethod] = useState<TConsentMethod>('verbal');
  const [proof, setProof] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const record = useMutation({
    mutationFn: (state: 'given' | 'withdrawn') =>
      recordConsent(props.personId, {
        purposeKey: purposeKey ?? '',
        state,
        method,
        ...(proof.trim() ? { proof: proof.trim() } : {}),
      }),
    onSuccess: async () => {
      setProof('');
      await refresh();
    },
  });
  const optIn = useMutation({
    mutationFn: () => sendDoubleOptIn(props.personId, purposeKey ?? ''),
    onSuccess: (r) => setSent(r.sentTo),
  });
  const stateLabel = (s: string | null) =>
    s ? t(`privacyEngine.state.${s}`, { defaultValue: s }) : t('privacyEngine.state.never');
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        {t('privacyEngine.consentsTitle')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('privacyEngine.noticeVersion', { version: props.data.noticeVersion })}
      </Text>
      <Table withTableBorder fz="sm" aria-label={t('privacyEngine.consentsTitle')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('privacyEngine.purpose')}</Table.Th>
            <Table.Th>{t('privacyEngine.stateNow')}</Table.Th>
            <Table.Th>{t('privacyEngine.since')}</Table.Th>
            <Table.Th>{t('privacyEngine.expires')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {props.data.consents.map((c) => (
            <Table.Tr key={c.purposeKey}>
              <Table.Td>{c.purposeKey}</Table.Td>
              <Table.Td>{stateLabel(c.state)}</Table.Td>
              <Table.Td>{c.recordedAt ? formatDateTime(c.recordedAt) : ''}</Table.Td>
              <Table.Td>
                {c.state === 'given' || c.state === 'expired'
                  ? c.expiresAt
                    ? formatDateTime(c.expiresAt)
                    : t('privacyEngine.untilWithdrawn')
                  : ''}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {props.canChange && (
        <Stack gap="xs">
          <Group align="flex-end" wrap="wrap">
            <Select
              label={t('privacyEngine.purpose')}
              data={props.data.consents.map((c) => c.purposeKey)}
              value={purposeKey}
              onChange={setPurposeKey}
              error={fieldError(record.error, 'purposeKey')}
              w={220}
            />
            <Select
              label={t('privacyEngine.method')}
              data={CONSENT_METHODS.map((m) => ({ value: m, label: t(`privacyEngine.methods.${m}`) }))}
              value={method}
              onChange={(v) => v && setMethod(v as TConsentMethod)}
              w={220}
            />
            <TextInput
              label={t('privacyEngine.proof')}
              value={proof}
              onChange={(e) => setProof(e.currentTarget.value)}
              error={fieldError(record.error, 'proof')}
              w={260}
            />
          </Group>
          <Group>
            <Button onClick={() => record.mutate('given')} loading={record.isPending} disabled={!purposeKey}>
              {t('privacyEngine.recordGiven')}
            </Button>
            <Button
              variant="light"
              color="red"
              onClick={() => record.mutate('withdrawn')}
              loading={record.isPending}
              disabled={!purposeKey}
            >
              {t('privacyEngine.recordWithdrawn')}
            </Button>
            <Button variant="default" onClick={() => optIn.mutate()} loading={optIn.isPending} disabled={!purposeKey}>
              {t('privacyEngine.sendOptIn')}
            </Button>
          </Group>
          {sent && <SuccessAlert>{t('privacyEngine.optInSent', { to: sent })}</SuccessAlert>}
          <ErrorAlert error={record.error ?? optIn.error} hideWhenFields />
        </Stack>
      )}
      <Group align="flex-end">
        <TextInput
          type="datetime-local"
          label={t('privacyEngine.stateAt')}
          value={at}
          onChange={(e) => setAt(e.currentTarget.value)}
          w={240}
        />
      </Group>
      {stateAt.data && (
        <Table withTableBorder fz="sm" aria-label={t('privacyEngine.stateAt')}>
          <Table.Tbody>
            {stateAt.data.items.map((i) => (
              <Table.Tr key={i.purposeKey}>
                <Table.Td>{i.purposeKey}</Table.Td>
                <Table.Td>{stateLabel(i.state)}</Table.Td>
                <Table.Td>
                  {i.noticeVersion ? t('privacyEngine.noticeVersion', { version: i.noticeVersion }) : ''}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Title order={4} size="h6">
        {t('privacyEngine.historyTitle')}
      </Title>
      {history.isError ? (
        <ErrorAlert error={history.error} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('privacyEngine.noHistory')}
        </Text>
      ) : (
        <>
          <Table.ScrollContainer minWidth={640}>
            <Table striped withTableBorder fz="sm" aria-label={t('privacyEngine.historyTitle')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('privacyEngine.when')}</Table.Th>
                  <Table.Th>{t('privacyEngine.purpose')}</Table.Th>
                  <Table.Th>{t('privacyEngine.stateNow')}</Table.Th>
                  <Table.Th>{t('privacyEngine.method')}</Table.Th>
                  <Table.Th>{t('privacyEngine.notice')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{formatDateTime(r.recordedAt)}</Table.Td>
                    <Table.Td>{r.purposeKey}</Table.Td>
                    <Table.Td>{stateLabel(r.state)}</Table.Td>
                    <Table.Td>
                      {t(`privacyEngine.methods.${r.method}`)}
                      {r.proof ? ` (${r.proof})` : ''}
                    </Table.Td>
                    <Table.Td>v{r.noticeVersion}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <LoadMore
            shown={rows.length}
            hasMore={history.hasNextPage}
            loading={history.isFetchingNextPage}
            onLoad={() => history.fetchNextPage()}
          />
        </>
      )}
    </Stack>
  );
}

function Objections(props: { personId: string; data: TPersonPrivacy; canChange: boolean }) {
  const { t } = useTranslation();
  const refresh = useRefresh(props.personId);
  const [scope, setScope] = useState<TObjectionScope>('direct_marketing');
  const [purposeKey, setPurposeKey] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const add = useMutation({
    mutationFn: () =>
      recordObjection(props.personId, {
        scope,
        purposeKey: scope === 'legitimate_interest' ? purposeKey : null,
        reason,
      }),
    onSuccess: async () => {
      setReason('');
      await refresh();
    },
  });
  const withdraw = useMutation({
    mutationFn: (id: string) => withdrawObjection(props.personId, id),
    onSuccess: refresh,
  });
  const liPurposes = props.data.purposes.filter((p) => p.legalBasis === 'legitimate_interest');
  const active = props.data.objections.filter((o) => !o.withdrawnAt);
  return (
    <Stack gap="xs">
      <Title order={3} size="h5">
        {t('privacyEngine.objectionsTitle')}
      </Title>
      {active.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('privacyEngine.noObjections')}
        </Text>
      ) : (
        <Table withTableBorder fz="sm" aria-label={t('privacyEngine.objectionsTitle')}>
          <Table.Tbody>
            {active.map((o) => (
              <Table.Tr key={o.id}>
                <Table.Td>{t(`privacyEngine.scopes.${o.scope}`)}</Table.Td>
                <Table.Td>{o.purposeKey ?? t('privacyEngine.allPurposes')}</Table.Td>
                <Table.Td>{formatDateTime(o.recordedAt)}</Table.Td>
                <Table.Td>{o.reason}</Table.Td>
                <Table.Td>
                  {props.canChange && (
                    <Button size="xs" variant="subtle" onClick={() => withdraw.mutate(o.id)}>
                      {t('privacyEngine.withdrawObjection')}
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {props.canChange && (
        <Group align="flex-end" wrap="wrap">
          <Select
            label={t('privacyEngine.objectTo')}
            data={OBJECTION_SCOPES.map((s) => ({ value: s, label: t(`privacyEngine.scopes.${s}`) }))}
            value={scope}
            onChange={(v) => v && setScope(v as TObjectionScope)}
            w={260}
          />
          {scope === 'legitimate_interest' && (
            <Select
              label={t('privacyEngine.purpose')}
              placeholder={t('privacyEngine.allPurposes')}
              clearable
              data={liPurposes.map((p) => ({ value: p.purposeKey, label: p.name }))}
              value={purposeKey}
              onChange={setPurposeKey}
              error={fieldError(add.error, 'purposeKey')}
              w={240}
            />
          )}
          <Textarea
            label={t('privacyEngine.objectionReason')}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            autosize
            minRows={1}
            w={260}
          />
          <Button onClick={() => add.mutate()} loading={add.isPending}>
            {t('privacyEngine.recordObjection')}
          </Button>
        </Group>
      )}
      <ErrorAlert error={add.error ?? withdraw.error} hideWhenFields />
    </Stack>
  );
}
