import { Anchor, Button, Code, Group, NativeSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading, Page, Section, SuccessAlert, visuallyHidden } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDateTime, ROLES, type Role } from '../../lib/format.ts';
import { readForm } from '../auth/account-fields.tsx';
import {
  createInvitation,
  invitationsQuery,
  revokeInvitation,
  type TInvitationWithLink,
  teamsQuery,
} from '../workspaces/workspaces.api.ts';

export function InvitationsPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const invitations = useQuery(invitationsQuery);
  const teams = useQuery(teamsQuery);
  const [sent, setSent] = useState<{ email: string; link?: string } | null>(null);
  const [revoked, setRevoked] = useState<string | null>(null);

  const invite = useMutation({
    mutationFn: (form: HTMLFormElement) => {
      const v = readForm(form);
      return createInvitation({
        email: v.email ?? '',
        role: (v.role ?? 'member') as Role,
        teamId: v.teamId || undefined,
      });
    },
    onMutate: () => {
      setSent(null);
      setRevoked(null);
    },
    onSuccess: async (data, form) => {
      const inv = 'invitation' in data ? data.invitation : data;
      const link = ('url' in data && data.url) || inv.url || inv.link;
      setSent({ email: inv.email, link: typeof link === 'string' ? link : undefined });
      form.reset();
      await queryClient.invalidateQueries({ queryKey: invitationsQuery.queryKey });
    },
  });

  const revoke = useMutation({
    mutationFn: (inv: TInvitationWithLink) => revokeInvitation(inv.invitationId),
    onSuccess: async (_d, inv) => {
      setSent(null);
      setRevoked(t('invitations.revoked', { email: inv.email }));
      await queryClient.invalidateQueries({ queryKey: invitationsQuery.queryKey });
    },
  });

  const teamName = (id: string | null) => teams.data?.find((x) => x.teamId === id)?.name ?? '—';
  const pending = (invitations.data ?? []).filter((i) => i.status === 'pending');

  return (
    <Page title={t('invitations.title')}>
      <Section title={t('invitations.inviteTitle')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            invite.mutate(e.currentTarget);
          }}
        >
          <Stack gap="sm">
            <Group align="flex-start" grow>
              <TextInput
                name="email"
                type="email"
                label={t('common.email')}
                required
                error={fieldError(invite.error, 'email')}
              />
              <NativeSelect
                name="role"
                label={t('common.role')}
                defaultValue="member"
                data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
                error={fieldError(invite.error, 'role')}
              />
              <NativeSelect
                name="teamId"
                label={t('invitations.team')}
                defaultValue=""
                data={[
                  { value: '', label: t('invitations.noTeam') },
                  ...(teams.data ?? []).map((team) => ({ value: team.teamId, label: team.name })),
                ]}
                error={fieldError(invite.error, 'teamId')}
              />
            </Group>
            <ErrorAlert error={invite.error} hideWhenFields />
            {sent && (
              <SuccessAlert>
                <Stack gap={4}>
                  <Text size="sm">{t('invitations.sent', { email: sent.email })}</Text>
                  {sent.link && (
                    <Text size="sm">
                      {t('invitations.link')}:{' '}
                      <Code>
                        <Anchor href={sent.link}>{sent.link}</Anchor>
                      </Code>
                    </Text>
                  )}
                </Stack>
              </SuccessAlert>
            )}
            <Button type="submit" loading={invite.isPending} w="fit-content">
              {t('invitations.send')}
            </Button>
          </Stack>
        </form>
      </Section>

      <Section title={t('invitations.pending')}>
        {revoked && <SuccessAlert>{revoked}</SuccessAlert>}
        <ErrorAlert error={revoke.error} />
        {invitations.isPending ? (
          <Loading />
        ) : invitations.isError ? (
          <ErrorAlert error={invitations.error} />
        ) : pending.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('invitations.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={600}>
            <Table verticalSpacing="xs" aria-label={t('invitations.pending')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('common.email')}</Table.Th>
                  <Table.Th>{t('common.role')}</Table.Th>
                  <Table.Th>{t('invitations.team')}</Table.Th>
                  <Table.Th>{t('invitations.expires')}</Table.Th>
                  <Table.Th>
                    <span style={visuallyHidden}>{t('invitations.revoke')}</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {pending.map((inv) => (
                  <Table.Tr key={inv.invitationId}>
                    <Table.Td>{inv.email}</Table.Td>
                    <Table.Td>{t(`roles.${inv.role}`)}</Table.Td>
                    <Table.Td>{teamName(inv.teamId)}</Table.Td>
                    <Table.Td>{formatDateTime(inv.expiresAt)}</Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        aria-label={t('invitations.revokeLabel', { email: inv.email })}
                        loading={revoke.isPending && revoke.variables?.invitationId === inv.invitationId}
                        onClick={() => revoke.mutate(inv)}
                      >
                        {t('invitations.revoke')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Section>
    </Page>
  );
}
