import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  List,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  ErrorAlert,
  Loading,
  Page,
  PasswordField,
  Section,
  SuccessAlert,
  visuallyHidden,
} from '../../components/ui.tsx';
import { api, fieldError } from '../../lib/api.ts';
import { authClient, unwrap } from '../../lib/auth-client.ts';
import { formatDateTime } from '../../lib/format.ts';
import { encodeQr, qrPath } from '../../lib/qr.ts';
import { meQuery } from '../account/account.api.ts';
import { readForm } from '../auth/account-fields.tsx';
import { describeUserAgent } from './user-agent.ts';

const route = getRouteApi('/app/settings/security');

export function SecurityPage() {
  const { t } = useTranslation();
  const { reason } = route.useSearch();
  return (
    <Page title={t('security.title')}>
      {reason === 'two_factor_required' && (
        <Alert color="orange" role="alert">
          {t('twoFactorRequired')}
        </Alert>
      )}
      <TwoFactorSection />
      <PasskeysSection />
      <SessionsSection />
    </Page>
  );
}

/** The secret in an otpauth:// URI, grouped by four for reading aloud or typing. */
function secretOf(uri: string): string | null {
  try {
    const secret = new URL(uri).searchParams.get('secret');
    return secret ? (secret.match(/.{1,4}/g) ?? [secret]).join(' ') : null;
  } catch {
    return null;
  }
}

/** The enrolment link as a QR code, drawn as SVG in the page (no script, no image request). */
function QrCode({ value, label }: { value: string; label: string }) {
  const svg = useMemo(() => {
    try {
      const matrix = encodeQr(value);
      return { size: matrix.length + 8, path: qrPath(matrix, 4) };
    } catch {
      return null;
    }
  }, [value]);
  if (!svg) return null;
  return (
    <svg
      role="img"
      aria-label={label}
      viewBox={`0 0 ${svg.size} ${svg.size}`}
      width={200}
      height={200}
      shapeRendering="crispEdges"
      style={{ background: '#fff' }}
    >
      <path d={svg.path} fill="#000" />
    </svg>
  );
}

function TwoFactorSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useQuery(meQuery).data;
  const [mode, setMode] = useState<'closed' | 'enable' | 'disable'>('closed');
  const [setup, setSetup] = useState<{ totpURI: string; backupCodes: string[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const close = () => {
    setMode('closed');
    setSetup(null);
    enable.reset();
    confirm.reset();
    disable.reset();
  };

  const enable = useMutation({
    mutationFn: async (form: HTMLFormElement) => {
      const data = await unwrap(
        authClient.twoFactor.enable({ password: readForm(form).password ?? '', method: 'totp' }),
      );
      if (!data || !('totpURI' in data)) throw new Error(t('app.error'));
      return data;
    },
    onSuccess: (data) => setSetup({ totpURI: data.totpURI, backupCodes: data.backupCodes }),
  });
  const confirm = useMutation({
    mutationFn: (form: HTMLFormElement) =>
      unwrap(authClient.twoFactor.verifyTotp({ code: (readForm(form).code ?? '').replace(/\s/g, '') })),
    onSuccess: async () => {
      close();
      setNotice(t('security.enabled'));
      await queryClient.invalidateQueries();
    },
  });
  const disable = useMutation({
    mutationFn: (form: HTMLFormElement) =>
      unwrap(authClient.twoFactor.disable({ password: readForm(form).password ?? '' })),
    onSuccess: async () => {
      close();
      setNotice(t('security.disabled'));
      await queryClient.invalidateQueries();
    },
  });

  if (!me) return null;
  const secret = setup ? secretOf(setup.totpURI) : null;

  return (
    <Section title={t('security.twoFactorTitle')}>
      <Group gap="sm">
        <Badge color={me.twoFactorEnabled ? 'teal' : 'gray'} variant="light">
          {me.twoFactorEnabled ? t('security.twoFactorOn') : t('security.twoFactorOff')}
        </Badge>
      </Group>
      {notice && <SuccessAlert>{notice}</SuccessAlert>}
      {me.twoFactorEnabled ? (
        <Button
          variant="default"
          color="red"
          w="fit-content"
          onClick={() => {
            setNotice(null);
            setMode('disable');
          }}
        >
          {t('security.disable')}
        </Button>
      ) : (
        <Button
          w="fit-content"
          onClick={() => {
            setNotice(null);
            setMode('enable');
          }}
        >
          {t('security.enable')}
        </Button>
      )}

      <Modal
        opened={mode === 'enable'}
        onClose={close}
        title={t('security.enable')}
        size="lg"
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {!setup ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              enable.mutate(e.currentTarget);
            }}
          >
            <Stack>
              <Text size="sm">{t('security.enableIntro')}</Text>
              <PasswordField
                name="password"
                label={t('common.password')}
                autoComplete="current-password"
                required
                data-autofocus
                error={fieldError(enable.error, 'password')}
              />
              <ErrorAlert error={enable.error} hideWhenFields />
              <Button type="submit" loading={enable.isPending} w="fit-content">
                {t('security.continue')}
              </Button>
            </Stack>
          </form>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              confirm.mutate(e.currentTarget);
            }}
          >
            <Stack>
              <Text size="sm">{t('security.scan')}</Text>
              <QrCode value={setup.totpURI} label={t('security.qr')} />
              {secret && (
                <div>
                  <Text size="sm" fw={500}>
                    {t('security.setupKey')}
                  </Text>
                  <Code block data-testid="totp-secret">
                    {secret}
                  </Code>
                </div>
              )}
              <div>
                <Text size="sm" fw={500}>
                  {t('security.uri')}
                </Text>
                <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="totp-uri">
                  {setup.totpURI}
                </Code>
              </div>
              <div>
                <Text size="sm" fw={500}>
                  {t('security.backupCodes')}
                </Text>
                <Text size="xs" c="dimmed" mb={4}>
                  {t('security.backupIntro')}
                </Text>
                <SimpleGrid
                  cols={{ base: 2, sm: 5 }}
                  spacing={4}
                  component="ul"
                  style={{ listStyle: 'none', padding: 0 }}
                  aria-label={t('security.backupCodes')}
                >
                  {setup.backupCodes.map((code) => (
                    <li key={code}>
                      <Code>{code}</Code>
                    </li>
                  ))}
                </SimpleGrid>
              </div>
              <Text size="sm">{t('security.confirmIntro')}</Text>
              <TextInput
                name="code"
                label={t('security.confirmCode')}
                autoComplete="one-time-code"
                inputMode="numeric"
                required
                error={fieldError(confirm.error, 'code')}
              />
              <ErrorAlert error={confirm.error} hideWhenFields />
              <Button type="submit" loading={confirm.isPending} w="fit-content">
                {t('security.confirm')}
              </Button>
            </Stack>
          </form>
        )}
      </Modal>

      <Modal
        opened={mode === 'disable'}
        onClose={close}
        title={t('security.disable')}
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            disable.mutate(e.currentTarget);
          }}
        >
          <Stack>
            <Text size="sm">{t('security.disableIntro')}</Text>
            <PasswordField
              name="password"
              label={t('common.password')}
              autoComplete="current-password"
              required
              data-autofocus
              error={fieldError(disable.error, 'password')}
            />
            <ErrorAlert error={disable.error} hideWhenFields />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" color="red" loading={disable.isPending}>
                {t('security.disableConfirm')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Section>
  );
}

type TPasskey = { id: string; name?: string | null; createdAt?: string | Date | null; deviceType?: string };

function PasskeysSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const list = useQuery({
    queryKey: ['passkeys'],
    queryFn: async () => (await unwrap(authClient.passkey.listUserPasskeys())) as TPasskey[],
  });
  const add = useMutation({
    mutationFn: async (form: HTMLFormElement) => {
      const name = readForm(form).name || undefined;
      await unwrap(authClient.passkey.addPasskey({ name }));
      form.reset();
    },
    onMutate: () => setNotice(null),
    onSuccess: async () => {
      setNotice(t('security.passkeyAdded'));
      await queryClient.invalidateQueries({ queryKey: ['passkeys'] });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(authClient.passkey.deletePasskey({ id })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['passkeys'] }),
  });
  return (
    <Section title={t('security.passkeysTitle')} intro={t('security.passkeysIntro')}>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} />
      ) : list.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('security.noPasskeys')}
        </Text>
      ) : (
        <List listStyleType="none" spacing={4} size="sm">
          {list.data.map((pk) => {
            const name = pk.name || t('security.unnamed');
            return (
              <List.Item key={pk.id}>
                <Group gap="sm">
                  <Text size="sm" fw={500}>
                    {name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {formatDateTime(pk.createdAt ?? null)}
                  </Text>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    aria-label={t('security.deletePasskeyLabel', { name })}
                    loading={remove.isPending && remove.variables === pk.id}
                    onClick={() => remove.mutate(pk.id)}
                  >
                    {t('common.delete')}
                  </Button>
                </Group>
              </List.Item>
            );
          })}
        </List>
      )}
      <ErrorAlert error={remove.error} />
      {notice && <SuccessAlert>{notice}</SuccessAlert>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate(e.currentTarget);
        }}
      >
        <Group align="flex-end" gap="sm">
          <TextInput name="name" label={t('security.passkeyName')} description={t('common.optional')} size="sm" />
          <Button type="submit" variant="default" loading={add.isPending}>
            {t('security.addPasskey')}
          </Button>
        </Group>
      </form>
      <ErrorAlert error={add.error} />
    </Section>
  );
}

type TSession = {
  id: string;
  current: boolean;
  userAgent?: string | null;
  ipAddress?: string | null;
  createdAt: string | Date;
  expiresAt: string | Date;
};

function SessionsSection() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const sessions = useQuery({
    queryKey: ['sessions'],
    // Our own endpoint: session tokens never reach the page, sessions are ended by id.
    queryFn: async () => ({ list: (await api<{ sessions: TSession[] }>('/api/account/sessions')).sessions }),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api/account/sessions/${id}`, { method: 'DELETE' }),
    onMutate: () => setNotice(null),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  });
  const revokeOthers = useMutation({
    mutationFn: () => api('/api/account/sessions/revoke-others', { method: 'POST', body: {} }),
    onMutate: () => setNotice(null),
    onSuccess: async () => {
      setNotice(t('security.revokedOthers'));
      await queryClient.invalidateQueries({ queryKey: ['sessions'] });
    },
  });
  return (
    <Section title={t('security.sessionsTitle')}>
      {notice && <SuccessAlert>{notice}</SuccessAlert>}
      {sessions.isPending ? (
        <Loading />
      ) : sessions.isError ? (
        <ErrorAlert error={sessions.error} />
      ) : (
        <Table.ScrollContainer minWidth={600}>
          <Table verticalSpacing="xs" aria-label={t('security.sessionsTitle')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('security.device')}</Table.Th>
                <Table.Th>{t('security.ip')}</Table.Th>
                <Table.Th>{t('security.lastActive')}</Table.Th>
                <Table.Th>{t('security.expires')}</Table.Th>
                <Table.Th>
                  <span style={visuallyHidden}>{t('security.revoke')}</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sessions.data.list.map((s) => {
                const device = describeUserAgent(s.userAgent) ?? t('security.unknownDevice');
                const current = s.current;
                return (
                  <Table.Tr key={s.id}>
                    <Table.Td>
                      {device}{' '}
                      {current && (
                        <Badge size="sm" variant="light">
                          {t('security.thisDevice')}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{s.ipAddress || '—'}</Table.Td>
                    <Table.Td>{formatDateTime(s.createdAt)}</Table.Td>
                    <Table.Td>{formatDateTime(s.expiresAt)}</Table.Td>
                    <Table.Td>
                      {!current && (
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          color="red"
                          aria-label={t('security.revokeLabel', { device })}
                          loading={revoke.isPending && revoke.variables === s.id}
                          onClick={() => revoke.mutate(s.id)}
                        >
                          {t('security.revoke')}
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ErrorAlert error={revoke.error ?? revokeOthers.error} />
      <Button variant="default" w="fit-content" onClick={() => revokeOthers.mutate()} loading={revokeOthers.isPending}>
        {t('security.revokeOthers')}
      </Button>
    </Section>
  );
}
