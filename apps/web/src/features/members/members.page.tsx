import { Badge, Button, Group, NativeSelect, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, ErrorAlert, Loading, Page, SuccessAlert, visuallyHidden } from '../../components/ui.tsx';
import { formatDate, ROLES, type Role } from '../../lib/format.ts';
import { isWorkspaceAdmin, meQuery } from '../account/account.api.ts';
import { membersQuery, removeMember, type TMember, updateMemberRole } from '../workspaces/workspaces.api.ts';

export function MembersPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useQuery(meQuery).data;
  const members = useQuery(membersQuery);
  const admin = isWorkspaceAdmin(me);
  const [notice, setNotice] = useState<string | null>(null);
  const [removing, setRemoving] = useState<TMember | null>(null);

  const changeRole = useMutation({
    mutationFn: ({ member, role }: { member: TMember; role: Role }) => updateMemberRole(member.userId, role),
    onMutate: () => setNotice(null),
    onSuccess: async (_data, { member, role }) => {
      setNotice(t('members.roleChanged', { name: member.name || member.email, role: t(`roles.${role}`) }));
      await queryClient.invalidateQueries({ queryKey: membersQuery.queryKey });
      await queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
    },
    onError: () => queryClient.invalidateQueries({ queryKey: membersQuery.queryKey }),
  });

  const remove = useMutation({
    mutationFn: (member: TMember) => removeMember(member.userId),
    onMutate: () => setNotice(null),
    onSuccess: async (_data, member) => {
      setRemoving(null);
      setNotice(t('members.removed', { name: member.name || member.email }));
      await queryClient.invalidateQueries({ queryKey: membersQuery.queryKey });
    },
  });

  return (
    <Page title={t('members.title')} intro={t('members.intro')}>
      {notice && <SuccessAlert>{notice}</SuccessAlert>}
      <ErrorAlert error={changeRole.error} />
      {members.isPending ? (
        <Loading />
      ) : members.isError ? (
        <ErrorAlert error={members.error} />
      ) : members.data.length === 0 ? (
        <Text c="dimmed">{t('members.empty')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table striped highlightOnHover verticalSpacing="xs" aria-label={t('members.title')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('common.name')}</Table.Th>
                <Table.Th>{t('common.email')}</Table.Th>
                <Table.Th>{t('common.role')}</Table.Th>
                <Table.Th>{t('members.teams')}</Table.Th>
                <Table.Th>{t('members.twoFactor')}</Table.Th>
                <Table.Th>{t('members.joined')}</Table.Th>
                {admin && <Table.Th>{t('members.actions')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {members.data.map((m) => {
                const name = m.name || m.email;
                const self = m.userId === me?.id;
                return (
                  <Table.Tr key={m.userId}>
                    <Table.Td>
                      {name}
                      {self && (
                        <Text span c="dimmed" size="sm">
                          {' '}
                          ({t('common.you')})
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>{m.email}</Table.Td>
                    <Table.Td>
                      {admin ? (
                        <NativeSelect
                          size="xs"
                          label={t('members.roleFor', { name })}
                          labelProps={{ style: visuallyHidden }}
                          value={m.role}
                          disabled={changeRole.isPending}
                          onChange={(e) => changeRole.mutate({ member: m, role: e.currentTarget.value as Role })}
                          data={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))}
                        />
                      ) : (
                        t(`roles.${m.role}`)
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {m.teams.map((team) => (
                          <Badge key={team.teamId} variant="light" size="sm">
                            {team.name}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>{m.twoFactorEnabled ? t('common.yes') : t('common.no')}</Table.Td>
                    <Table.Td>{formatDate(m.joinedAt)}</Table.Td>
                    {admin && (
                      <Table.Td>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          aria-label={t('members.removeLabel', { name })}
                          onClick={() => {
                            remove.reset();
                            setRemoving(m);
                          }}
                        >
                          {t('common.remove')}
                        </Button>
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ConfirmDialog
        opened={removing !== null}
        title={t('members.removeTitle')}
        text={t('members.removeText', { name: removing ? removing.name || removing.email : '' })}
        confirmLabel={t('members.removeConfirm')}
        onConfirm={() => removing && remove.mutate(removing)}
        onClose={() => setRemoving(null)}
        loading={remove.isPending}
        error={remove.error}
      />
    </Page>
  );
}
