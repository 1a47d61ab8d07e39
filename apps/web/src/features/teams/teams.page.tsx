import { Button, Group, List, Modal, NativeSelect, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { readForm } from '../auth/account-fields.tsx';
import {
  addTeamMember,
  createTeam,
  deleteTeam,
  membersQuery,
  removeTeamMember,
  renameTeam,
  type TMember,
  type TTeam,
  teamsQuery,
} from '../workspaces/workspaces.api.ts';

export function TeamsPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const teams = useQuery(teamsQuery);
  const members = useQuery(membersQuery);
  const [renaming, setRenaming] = useState<TTeam | null>(null);
  const [deleting, setDeleting] = useState<TTeam | null>(null);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: teamsQuery.queryKey });
    await queryClient.invalidateQueries({ queryKey: membersQuery.queryKey });
    await queryClient.invalidateQueries({ queryKey: ['me'] });
  };

  const create = useMutation({
    mutationFn: (form: HTMLFormElement) => createTeam(readForm(form).name ?? ''),
    onSuccess: async (_d, form) => {
      form.reset();
      await refresh();
    },
  });
  const rename = useMutation({
    mutationFn: ({ team, name }: { team: TTeam; name: string }) => renameTeam(team.teamId, name),
    onSuccess: async () => {
      setRenaming(null);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (team: TTeam) => deleteTeam(team.teamId),
    onSuccess: async () => {
      setDeleting(null);
      await refresh();
    },
  });

  return (
    <Page title={t('teams.title')}>
      <Section title={t('teams.createTitle')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate(e.currentTarget);
          }}
        >
          <Group align="flex-end">
            <TextInput name="name" label={t('teams.teamName')} required error={fieldError(create.error, 'name')} />
            <Button type="submit" loading={create.isPending}>
              {t('teams.create')}
            </Button>
          </Group>
          <ErrorAlert error={create.error} hideWhenFields />
        </form>
      </Section>
      {teams.isPending ? (
        <Loading />
      ) : teams.isError ? (
        <ErrorAlert error={teams.error} />
      ) : teams.data.length === 0 ? (
        <Text c="dimmed">{t('teams.empty')}</Text>
      ) : (
        teams.data.map((team) => (
          <TeamCard
            key={team.teamId}
            team={team}
            members={members.data ?? []}
            onChanged={refresh}
            onRename={() => {
              rename.reset();
              setRenaming(team);
            }}
            onDelete={() => {
              remove.reset();
              setDeleting(team);
            }}
          />
        ))
      )}
      <Modal
        opened={renaming !== null}
        onClose={() => setRenaming(null)}
        title={t('teams.renameTitle')}
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        {renaming && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              rename.mutate({ team: renaming, name: readForm(e.currentTarget).name ?? '' });
            }}
          >
            <Stack>
              <TextInput
                name="name"
                label={t('teams.teamName')}
                defaultValue={renaming.name}
                required
                data-autofocus
                error={fieldError(rename.error, 'name')}
              />
              <ErrorAlert error={rename.error} hideWhenFields />
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setRenaming(null)}>
                  {t('common.cancel')}
                </Button>
                <Button type="submit" loading={rename.isPending}>
                  {t('common.save')}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Modal>
      <ConfirmDialog
        opened={deleting !== null}
        title={t('teams.deleteTitle')}
        text={t('teams.deleteText', { team: deleting?.name ?? '' })}
        confirmLabel={t('teams.deleteConfirm')}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
        loading={remove.isPending}
        error={remove.error}
      />
    </Page>
  );
}

function TeamCard(props: {
  team: TTeam;
  members: TMember[];
  onChanged: () => Promise<void>;
  onRename: () => void;
  onDelete: () => void;
}) {
  const { t } = useTranslation();
  const { team, members } = props;
  const [toAdd, setToAdd] = useState('');
  const inTeam = (m: TMember) =>
    team.memberIds ? team.memberIds.includes(m.userId) : m.teams.some((x) => x.teamId === team.teamId);
  const current = members.filter(inTeam);
  const others = members.filter((m) => !inTeam(m));

  const add = useMutation({
    mutationFn: (userId: string) => addTeamMember(team.teamId, userId),
    onSuccess: async () => {
      setToAdd('');
      await props.onChanged();
    },
  });
  const drop = useMutation({
    mutationFn: (userId: string) => removeTeamMember(team.teamId, userId),
    onSuccess: props.onChanged,
  });

  return (
    <Paper withBorder p="md" component="section" aria-label={team.name}>
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            {team.name}
          </Title>
          <Group gap="xs">
            <Button
              size="xs"
              variant="default"
              aria-label={t('teams.renameLabel', { team: team.name })}
              onClick={props.onRename}
            >
              {t('common.rename')}
            </Button>
            <Button
              size="xs"
              variant="subtle"
              color="red"
              aria-label={t('teams.deleteLabel', { team: team.name })}
              onClick={props.onDelete}
            >
              {t('common.delete')}
            </Button>
          </Group>
        </Group>
        <Text size="sm" fw={500}>
          {t('teams.members', { team: team.name })}
        </Text>
        {current.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('teams.noMembers')}
          </Text>
        ) : (
          <List size="sm" spacing={4} listStyleType="none">
            {current.map((m) => (
              <List.Item key={m.userId}>
                <Group gap="xs">
                  <Text size="sm">
                    {m.name || m.email}{' '}
                    <Text span c="dimmed" size="xs">
                      {m.email}
                    </Text>
                  </Text>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    aria-label={t('teams.removeMemberLabel', { name: m.name || m.email, team: team.name })}
                    onClick={() => drop.mutate(m.userId)}
                    loading={drop.isPending && drop.variables === m.userId}
                  >
                    {t('common.remove')}
                  </Button>
                </Group>
              </List.Item>
            ))}
          </List>
        )}
        {others.length > 0 && (
          <Group align="flex-end" gap="xs">
            <NativeSelect
              size="xs"
              label={t('teams.addMember', { team: team.name })}
              value={toAdd}
              onChange={(e) => setToAdd(e.currentTarget.value)}
              data={[
                { value: '', label: t('teams.chooseMember') },
                ...others.map((m) => ({ value: m.userId, label: m.name ? `${m.name} (${m.email})` : m.email })),
              ]}
            />
            <Button
              size="xs"
              disabled={!toAdd}
              loading={add.isPending}
              aria-label={t('teams.addButtonLabel', { team: team.name })}
              onClick={() => toAdd && add.mutate(toAdd)}
            >
              {t('teams.addButton')}
            </Button>
          </Group>
        )}
        <ErrorAlert error={add.error ?? drop.error} />
      </Stack>
    </Paper>
  );
}
