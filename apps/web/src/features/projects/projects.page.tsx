import { Badge, NativeSelect, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { formatDate } from '../../lib/format.ts';
import { useCanWrite } from '../people/people.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { PROJECT_STATUSES, projectsListQuery, type TProjectStatus } from './projects.api.ts';

export type TProjectsSearch = { projectStatus?: TProjectStatus; member?: string };
export function validateProjectsSearch(s: Record<string, unknown>): TProjectsSearch {
  const projectStatus = PROJECT_STATUSES.find((x) => x === s.projectStatus);
  return { projectStatus, member: s.member === 'me' ? 'me' : undefined };
}

const route = getRouteApi('/app/projects');

export function ProjectsPage() {
  const { t } = useTranslation();
  const search = route.useSearch();
  const navigate = useNavigate();
  const canWrite = useCanWrite();
  const members = useQuery(membersQuery);
  const list = useInfiniteQuery(
    projectsListQuery({ status: search.projectStatus, member: search.member, sort: 'name', dir: 'asc' }),
  );
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const set = (patch: Partial<TProjectsSearch>) => void navigate({ to: '/projects', search: { ...search, ...patch } });
  return (
    <Page
      title={t('projects.title')}
      actions={canWrite ? <ButtonLink to="/projects/new">{t('projects.new')}</ButtonLink> : undefined}
    >
      <NativeSelect
        label={t('projects.status')}
        value={search.projectStatus ?? ''}
        onChange={(e) => set({ projectStatus: (e.currentTarget.value || undefined) as TProjectStatus | undefined })}
        data={[
          { value: '', label: t('projects.anyStatus') },
          ...PROJECT_STATUSES.map((s) => ({ value: s, label: t(`projects.statuses.${s}`) })),
        ]}
        w={200}
      />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} />
      ) : rows.length === 0 ? (
        <Text c="dimmed">{t('projects.empty')}</Text>
      ) : (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={560}>
            <Table striped verticalSpacing={4} fz="sm" aria-label={t('projects.title')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('common.name')}</Table.Th>
                  <Table.Th>{t('projects.status')}</Table.Th>
                  <Table.Th>{t('projects.dates')}</Table.Th>
                  <Table.Th>{t('projects.owner')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((p) => (
                  <Table.Tr key={p.id}>
                    <Table.Td>
                      <AnchorLink to="/projects/$projectId" params={{ projectId: p.id }} fz="sm">
                        {p.name}
                      </AnchorLink>
                    </Table.Td>
                    <Table.Td>
                      <Badge size="sm" variant="light">
                        {t(`projects.statuses.${p.status}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      {p.startDate || p.endDate
                        ? `${p.startDate ? formatDate(p.startDate) : '…'} – ${p.endDate ? formatDate(p.endDate) : '…'}`
                        : '—'}
                    </Table.Td>
                    <Table.Td>{members.data?.find((m) => m.userId === p.ownerId)?.name ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <LoadMore
            shown={rows.length}
            hasMore={list.hasNextPage}
            loading={list.isFetchingNextPage}
            onLoad={() => void list.fetchNextPage()}
          />
        </Stack>
      )}
    </Page>
  );
}
