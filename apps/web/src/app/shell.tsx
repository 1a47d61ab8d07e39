import { Alert, AppShell, Burger, Button, Group, NativeSelect, NavLink, ScrollArea, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { activeWorkspace, displayName, isWorkspaceAdmin, meQuery } from '../features/account/account.api.ts';
import { NotificationsBell } from '../features/notifications/notifications-bell.tsx';
import { CommandPalette } from '../features/search/command-palette.tsx';
import { switchWorkspace, workspacesQuery } from '../features/workspaces/workspaces.api.ts';
import { authClient, unwrap } from '../lib/auth-client.ts';
import { describeError } from '../lib/i18n.ts';

type NavItem = { to: string; label: string };

export function Shell() {
  const { t } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const me = useQuery(meQuery).data;
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const workspaces = useQuery({
    ...workspacesQuery,
    enabled: Boolean(me?.activeWorkspaceId),
    meta: { background: true },
  });

  const signOut = useMutation({
    mutationFn: () => unwrap(authClient.signOut()),
    onSettled: async () => {
      queryClient.clear();
      await navigate({ to: '/sign-in' });
    },
  });

  if (!me) return null;
  const admin = isWorkspaceAdmin(me);
  const activeEntry = workspaces.data?.find((w) => w.workspaceId === me.activeWorkspaceId);
  const twoFactorMissing = Boolean(activeEntry?.requireTwoFactor && !me.twoFactorEnabled);
  const hasWorkspace = me.workspaces.length > 0;

  const records: NavItem[] = [
    { to: '/people', label: t('nav.people') },
    { to: '/companies', label: t('nav.companies') },
    { to: '/deals', label: t('nav.deals') },
    { to: '/tasks', label: t('tasks.nav') },
    { to: '/projects', label: t('projects.nav') },
    { to: '/trash', label: t('nav.trash') },
  ];
  const settings: NavItem[] = [
    ...(hasWorkspace && admin ? [{ to: '/settings/workspace', label: t('nav.workspace') }] : []),
    ...(hasWorkspace ? [{ to: '/settings/members', label: t('nav.members') }] : []),
    ...(hasWorkspace && admin
      ? [
          { to: '/settings/invitations', label: t('nav.invitations') },
          { to: '/settings/teams', label: t('nav.teams') },
        ]
      : []),
    { to: '/settings/security', label: t('nav.security') },
    { to: '/settings/account', label: t('nav.account') },
    ...(hasWorkspace && admin
      ? [
          { to: '/settings/audit', label: t('nav.audit') },
          { to: '/settings/data-map', label: t('nav.dataMap') },
          { to: '/privacy-requests', label: t('privacyRequests.nav') },
          { to: '/settings/privacy', label: t('privacyEngine.nav') },
          { to: '/settings/custom-fields', label: t('customFields.nav') },
          { to: '/settings/legal-holds', label: t('nav.legalHolds') },
          { to: '/settings/permissions', label: t('integrations.navPermissions') },
          { to: '/settings/api-keys', label: t('integrations.navApiKeys') },
          { to: '/settings/retention', label: t('retention.nav') },
          { to: '/settings/support-access', label: t('supportAccess.nav') },
          { to: '/settings/webhooks', label: t('integrations.navWebhooks') },
        ]
      : []),
    ...(me.isInstanceAdmin ? [{ to: '/settings/outbox', label: t('nav.outbox') }] : []),
  ];

  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 250, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.toggle')} />
            <Text fw={700} c="teal.8" component={Link} to="/">
              {t('app.name')}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {hasWorkspace && <CommandPalette />}
            {hasWorkspace && <NotificationsBell />}
            <Text size="sm" c="dimmed" visibleFrom="xs">
              {displayName(me)}
            </Text>
            <Button variant="default" size="xs" onClick={() => signOut.mutate()} loading={signOut.isPending}>
              {t('nav.signOut')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" component="nav" aria-label={t('nav.main')}>
        <AppShell.Section>
          <WorkspaceSwitcher />
        </AppShell.Section>
        <AppShell.Section grow component={ScrollArea} mt="sm">
          <NavLink
            component={Link}
            to="/"
            label={t('nav.home')}
            active={pathname === '/'}
            aria-current={pathname === '/' ? 'page' : undefined}
            onClick={close}
          />
          {hasWorkspace &&
            records.map((item) => {
              const active = pathname === item.to || pathname.startsWith(`${item.to}/`);
              return (
                <NavLink
                  key={item.to}
                  component={Link}
                  to={item.to}
                  label={item.label}
                  active={active}
                  aria-current={pathname === item.to ? 'page' : undefined}
                  onClick={close}
                />
              );
            })}
          <Text size="xs" fw={600} c="dimmed" tt="uppercase" mt="md" mb={4} px="sm">
            {t('nav.settings')}
          </Text>
          {settings.map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              active={pathname === item.to}
              aria-current={pathname === item.to ? 'page' : undefined}
              onClick={close}
            />
          ))}
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Stack gap="md">
          {!me.emailVerified && <VerifyEmailBanner email={me.email} />}
          {twoFactorMissing && pathname !== '/settings/security' && (
            <Alert color="orange" role="status">
              <Group justify="space-between" gap="sm">
                <Text size="sm">{t('twoFactorRequired')}</Text>
                <Button component={Link} to="/settings/security" size="xs" variant="white">
                  {t('security.enable')}
                </Button>
              </Group>
            </Alert>
          )}
          <Outlet />
        </Stack>
      </AppShell.Main>
    </AppShell>
  );
}

function WorkspaceSwitcher() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const me = useQuery(meQuery).data;
  const current = activeWorkspace(me);
  const change = useMutation({
    mutationFn: switchWorkspace,
    onSuccess: async () => {
      await queryClient.invalidateQueries();
      await navigate({ to: '/' });
    },
  });
  if (!me) return null;
  return (
    <Stack gap={6}>
      {me.workspaces.length > 0 ? (
        <NativeSelect
          label={t('nav.workspaceSwitcher')}
          value={current?.workspaceId ?? ''}
          onChange={(e) => change.mutate(e.currentTarget.value)}
          disabled={change.isPending}
          error={change.error ? describeError(change.error) : undefined}
          data={me.workspaces.map((w) => ({ value: w.workspaceId, label: w.name }))}
        />
      ) : (
        <Text size="sm" c="dimmed">
          {t('nav.noWorkspace')}
        </Text>
      )}
      <Button component={Link} to="/workspaces/new" variant="subtle" size="xs" justify="flex-start">
        {t('nav.newWorkspace')}
      </Button>
    </Stack>
  );
}

function VerifyEmailBanner({ email }: { email: string }) {
  const { t } = useTranslation();
  const [sent, setSent] = useState(false);
  const resend = useMutation({
    mutationFn: () => unwrap(authClient.sendVerificationEmail({ email, callbackURL: '/' })),
    onSuccess: () => setSent(true),
  });
  return (
    <Alert color="yellow" role="status">
      <Group justify="space-between" gap="sm">
        <Text size="sm">{sent ? t('banner.resent') : t('banner.verify', { email })}</Text>
        <Button size="xs" variant="white" onClick={() => resend.mutate()} loading={resend.isPending}>
          {t('banner.resend')}
        </Button>
      </Group>
      {resend.error && (
        <Text size="sm" c="red" role="alert">
          {describeError(resend.error)}
        </Text>
      )}
    </Alert>
  );
}
