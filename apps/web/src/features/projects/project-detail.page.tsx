import { Badge, Button, Group, List, SimpleGrid, Stack, Text } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { Fact, Facts } from '../../components/facts.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { formatDate } from '../../lib/format.ts';
import { useCanWrite } from '../people/people.api.ts';
import { RecordName } from '../tasks/linked-records.tsx';
import { TaskTable } from '../tasks/task-list.tsx';
import { tasksListQuery } from '../tasks/tasks.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { deleteProject, projectQuery, type TProject } from './projects.api.ts';

const route = getRouteApi('/app/projects/$projectId');

export function ProjectDetailPage() {
  const { t } = useTranslation();
  const { projectId } = route.useParams();
  const project = useQuery(projectQuery(projectId));
  if (project.isPending) return <Loading />;
  if (project.isError)
    return (
      <Page title={t('projects.title')}>
        <ErrorAlert error={project.error} />
        <AnchorLink to="/projects">{t('projects.backToList')}</AnchorLink>
      </Page>
    );
  return <ProjectDetail project={project.data} />;
}

function ProjectDetail({ project: p }: { project: TProject }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const members = useQuery(membersQuery);
  const nameOf = (id: string | null) => (id ? (members.data?.find((m) => m.userId === id)?.name ?? '…') : '—');
  const tasks = useInfiniteQuery(tasksListQuery({ projectId: p.id, sort: 'dueAt', dir: 'asc' }));
  const rows = tasks.data?.pages.flatMap((x) => x.items) ?? [];
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => deleteProject(p.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['projects'] });
      await navigate({ to: '/projects' });
    },
  });
  return (
    <Page
      title={p.name}
      actions={
        canWrite ? (
          <Group gap="xs">
            <ButtonLink to="/projects/$projectId/edit" params={{ projectId: p.id }} variant="default">
              {t('records.edit')}
            </ButtonLink>
            <Button variant="subtle" color="red" onClick={() => setConfirming(true)}>
              {t('common.delete')}
            </Button>
          </Group>
        ) : undefined
      }
    >
      <AnchorLink to="/projects" fz="sm">
        {t('projects.backToList')}
      </AnchorLink>
      <ErrorAlert error={remove.error} />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Section title={t('projects.details')}>
          <Facts>
            <Fact label={t('projects.status')}>
              <Badge variant="light">{t(`projects.statuses.${p.status}`)}</Badge>
            </Fact>
            <Fact label={t('projects.startDate')}>{p.startDate ? formatDate(p.startDate) : '—'}</Fact>
            <Fact label={t('projects.endDate')}>{p.endDate ? formatDate(p.endDate) : '—'}</Fact>
            <Fact label={t('projects.owner')}>{nameOf(p.ownerId)}</Fact>
            <Fact label={t('records.visibility')}>{t(`visibility.${p.visibility}`)}</Fact>
          </Facts>
          {p.description && (
            <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
              {p.description}
            </Text>
          )}
        </Section>
        <Section title={t('projects.members')}>
          {p.memberIds.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('projects.noMembers')}
            </Text>
          ) : (
            <List size="sm" aria-label={t('projects.members')}>
              {p.memberIds.map((id) => (
                <List.Item key={id}>{nameOf(id)}</List.Item>
              ))}
            </List>
          )}
        </Section>
        <Section title={t('tasks.companies')}>
          {p.companyIds.length === 0 ? (
            <Text size="sm" c="dimmed">
              —
            </Text>
          ) : (
            <List size="sm">
              {p.companyIds.map((id) => (
                <List.Item key={id}>
                  <RecordName kind="company" id={id} link />
                </List.Item>
              ))}
            </List>
          )}
        </Section>
        <Section title={t('tasks.deals')}>
          {p.dealIds.length === 0 ? (
            <Text size="sm" c="dimmed">
              —
            </Text>
          ) : (
            <List size="sm">
              {p.dealIds.map((id) => (
                <List.Item key={id}>
                  <RecordName kind="deal" id={id} link />
                </List.Item>
              ))}
            </List>
          )}
        </Section>
      </SimpleGrid>
      <Section title={t('tasks.title')}>
        {canWrite && (
          <ButtonLink to="/tasks/new" search={{ projectId: p.id }} variant="default" size="compact-sm" w="fit-content">
            {t('tasks.addTask')}
          </ButtonLink>
        )}
        {tasks.isPending ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('tasks.noneHere')}
          </Text>
        ) : (
          <Stack gap="xs">
            <TaskTable tasks={rows} canWrite={canWrite} label={t('projects.tasksOf', { name: p.name })} />
            <LoadMore
              shown={rows.length}
              hasMore={tasks.hasNextPage}
              loading={tasks.isFetchingNextPage}
              onLoad={() => void tasks.fetchNextPage()}
            />
          </Stack>
        )}
      </Section>
      <ConfirmDialog
        opened={confirming}
        title={t('projects.deleteTitle', { name: p.name })}
        text={t('projects.deleteMessage')}
        confirmLabel={t('projects.deleteConfirm')}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirming(false)}
        loading={remove.isPending}
      />
    </Page>
  );
}
