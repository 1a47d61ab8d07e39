import { Alert, Anchor, Button, NativeSelect, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import type { TPublicStartBody, TPublicStartResult, TPublicVerifyResult } from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AuthLayout, ErrorAlert, Loading } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import { CorrectionFields, correctionFromForm } from './correction-fields.tsx';
import {
  publicInfoQuery,
  startPublicRequest,
  type TPrivacyRequestKind,
  verifyPublicRequest,
} from './privacy-requests.api.ts';

const route = getRouteApi('/privacy/$workspaceId');

/**
 * The public page where a person asks a workspace about their data (no account). They give
 * their address and what they want, confirm the address with the emailed code, and are told
 * how to complain to their data protection authority (P-DSR-8).
 */
export function PublicRequestPage() {
  const { t } = useTranslation();
  const { workspaceId } = route.useParams();
  const info = useQuery(publicInfoQuery(workspaceId));
  const [started, setStarted] = useState<TPublicStartResult | null>(null);
  const [done, setDone] = useState<TPublicVerifyResult | null>(null);
  const [code, setCode] = useState('');
  const [kind, setKind] = useState<TPrivacyRequestKind | null>(null);
  const start = useMutation({
    mutationFn: (b: TPublicStartBody) => startPublicRequest(workspaceId, b),
    onSuccess: setStarted,
  });
  const verify = useMutation({
    mutationFn: () => verifyPublicRequest(workspaceId, started?.verificationId ?? '', code),
    onSuccess: setDone,
  });
  if (info.isPending) return <Loading />;
  if (info.isError) {
    return (
      <AuthLayout title={t('privacyRequests.public.title')}>
        <ErrorAlert error={info.error} />
      </AuthLayout>
    );
  }
  const i = info.data;
  const complaint = (
    <Text size="sm" c="dimmed">
      <Anchor href={`/privacy/${workspaceId}/notice`}>{t('privacyRequests.public.notice')}</Anchor>.{' '}
      {t('privacyRequests.public.complaint')}{' '}
      <Anchor href={i.authority.url} target="_blank" rel="noopener noreferrer">
        {i.authority.name}
      </Anchor>
      {i.contactEmail ? (
        <>
          {' '}
          {t('privacyRequests.public.contact')} <Anchor href={`mailto:${i.contactEmail}`}>{i.contactEmail}</Anchor>
        </>
      ) : null}
    </Text>
  );
  return (
    <AuthLayout
      title={t('privacyRequests.public.title')}
      intro={t('privacyRequests.public.intro', { name: i.workspaceName })}
      width={520}
    >
      {done ? (
        <Alert color="teal" role="status" title={t('privacyRequests.public.receivedTitle')}>
          <Text size="sm">
            {t('privacyRequests.public.received', { date: formatDate(done.dueAt), reference: done.reference })}
          </Text>
        </Alert>
      ) : started ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            verify.mutate();
          }}
        >
          <Stack gap="sm">
            <Text size="sm">{t('privacyRequests.public.codeSent', { minutes: i.codeMinutes })}</Text>
            <TextInput
              label={t('privacyRequests.public.code')}
              value={code}
              onChange={(e) => setCode(e.currentTarget.value.replace(/\D/g, '').slice(0, 6))}
              inputMode="numeric"
              autoComplete="one-time-code"
              error={fieldError(verify.error, 'code')}
            />
            <ErrorAlert error={verify.error} hideWhenFields />
            <Button type="submit" loading={verify.isPending} disabled={code.length !== 6}>
              {t('privacyRequests.public.confirm')}
            </Button>
            <Button variant="subtle" onClick={() => setStarted(null)}>
              {t('privacyRequests.public.startOver')}
            </Button>
          </Stack>
        </form>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const chosen = String(f.get('kind')) as TPrivacyRequestKind;
            const correction = chosen === 'rectification' ? correctionFromForm(f) : null;
            start.mutate({
              email: String(f.get('email') ?? '').trim(),
              kind: chosen,
              details: String(f.get('details') ?? ''),
              ...(correction ? { correction } : {}),
            });
          }}
        >
          <Stack gap="sm">
            <TextInput
              name="email"
              type="email"
              required
              autoComplete="email"
              label={t('privacyRequests.public.email')}
              error={fieldError(start.error, 'email')}
            />
            <NativeSelect
              name="kind"
              label={t('privacyRequests.public.what')}
              data={i.kinds.map((k) => ({ value: k, label: t(`privacyRequests.public.kinds.${k}`) }))}
              onChange={(e) => setKind(e.currentTarget.value as TPrivacyRequestKind)}
            />
            <Textarea
              name="details"
              label={t('privacyRequests.public.details')}
              autosize
              minRows={3}
              error={fieldError(start.error, 'details')}
            />
            {(kind ?? i.kinds[0]) === 'rectification' && (
              <Stack gap="xs">
                <Text size="sm">{t('privacyRequests.public.correctionIntro')}</Text>
                <CorrectionFields error={start.error} />
              </Stack>
            )}
            <ErrorAlert error={start.error} hideWhenFields />
            <Button type="submit" loading={start.isPending}>
              {t('privacyRequests.public.sendCode')}
            </Button>
          </Stack>
        </form>
      )}
      {complaint}
    </AuthLayout>
  );
}
