import { Anchor, Badge, Button, Group, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { Fact, Facts } from '../../components/facts.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { firstFieldError, formatAddress, RemoteSelect } from '../../components/record-fields.tsx';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section, SuccessAlert } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import { CustomFieldsFacts } from '../custom-fields/custom-field-input.tsx';
import { FilesSection } from '../files/files-section.tsx';
import {
  findInLists,
  linkCompany,
  peopleListQuery,
  personName,
  primaryOf,
  searchPeople,
  type TPerson,
  unlinkCompany,
  useCanWrite,
  useTeamOptions,
} from '../people/people.api.ts';
import { RecordTasks } from '../tasks/record-tasks.tsx';
import { TimelineSection } from '../timeline/timeline-section.tsx';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { companyQuery, deleteCompany, type TCompany } from './companies.api.ts';

const route = getRouteApi('/app/companies/$companyId');

export function CompanyDetailPage() {
  const { t } = useTranslation();
  const { companyId } = route.useParams();
  const queryClient = useQueryClient();
  const company = useQuery({
    ...companyQuery(companyId),
    placeholderData: () => findInLists<TCompany>(queryClient, 'companies', companyId),
  });
  if (company.isPending) return <Loading />;
  if (company.isError) {
    return (
      <Page title={t('companies.title')}>
        <ErrorAlert error={company.error} />
        <AnchorLink to="/companies">{t('companies.backToList')}</AnchorLink>
      </Page>
    );
  }
  return <CompanyDetail company={company.data} />;
}

function CompanyDetail({ company: c }: { company: TCompany }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const [confirming, setConfirming] = useState(false);
  const members = useQuery(membersQuery);
  const teams = useTeamOptions();
  const owner = members.data?.find((m) => m.userId === c.ownerId);
  const team = teams.find((x) => x.value === c.teamId);
  const address = formatAddress(c.address);

  const remove = useMutation({
    mutationFn: () => deleteCompany(c.id),
    onSuccess: async () => {
      setConfirming(false);
      queryClient.removeQueries({ queryKey: companyQuery(c.id).queryKey });
      await queryClient.invalidateQueries({ queryKey: ['companies'] });
      await queryClient.invalidateQueries({ queryKey: ['people'] });
      await queryClient.invalidateQueries({ queryKey: ['trash'] });
      await navigate({ to: '/companies', search: { deleted: c.name, deletedId: c.id } });
    },
  });

  return (
    <Page
      title={c.name}
      intro={c.domain ?? undefined}
      actions={
        canWrite && (
          <Group gap="xs">
            <ButtonLink variant="default" to="/companies/$companyId/edit" params={{ companyId: c.id }}>
              {t('records.edit')}
            </ButtonLink>
            <Button
              variant="light"
              color="red"
              onClick={() => {
                remove.reset();
                setConfirming(true);
              }}
            >
              {t('common.delete')}
            </Button>
          </Group>
        )
      }
    >
      <AnchorLink to="/companies" fz="sm" w="fit-content">
        {t('companies.backToList')}
      </AnchorLink>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Section title={t('companies.details')}>
          <Facts>
            <Fact label={t('companies.domain')}>
              {c.domain ? (
                <Anchor href={`https://${c.domain}`} rel="noopener noreferrer" target="_blank" size="sm">
                  {c.domain}
                </Anchor>
              ) : (
                '—'
              )}
            </Fact>
            <Fact label={t('companies.orgNumber')}>{c.orgNumber ?? '—'}</Fact>
            <Fact label={t('companies.industry')}>{c.industry ?? '—'}</Fact>
            <Fact label={t('companies.size')}>{c.size ? t('companies.sizeOption', { size: c.size }) : '—'}</Fact>
            <Fact label={t('account.address')}>
              {address.length > 0 ? address.map((line) => <div key={line}>{line}</div>) : '—'}
            </Fact>
          </Facts>
          <CustomFieldsFacts object="company" values={c.customFields} />
        </Section>
        <Section title={t('records.access')}>
          <Facts>
            <Fact label={t('records.tags')}>
              {c.tags.length ? (
                <Group gap={4}>
                  {c.tags.map((tag) => (
                    <Badge key={tag} variant="light" tt="none">
                      {tag}
                    </Badge>
                  ))}
                </Group>
              ) : (
                '—'
              )}
            </Fact>
            <Fact label={t('records.owner')}>{owner ? owner.name || owner.email : '—'}</Fact>
            <Fact label={t('records.visibility')}>
              {t(`visibility.${c.visibility}`)}
              {c.visibility === 'team' && team ? ` (${team.label})` : ''}
            </Fact>
            <Fact label={t('common.created')}>{formatDateTime(c.createdAt)}</Fact>
            <Fact label={t('records.updated')}>{formatDateTime(c.updatedAt)}</Fact>
          </Facts>
        </Section>
      </SimpleGrid>
      <CompanyPeople company={c} />
      <FilesSection kind="company" recordId={c.id} />
      <TimelineSection kind="company" recordId={c.id} />
      <RecordTasks companyId={c.id} />
      <ConfirmDialog
        opened={confirming}
        title={t('companies.deleteTitle')}
        text={t('records.deleteText', { name: c.name, date: formatDate(Date.now() + 30 * 86_400_000) })}
        confirmLabel={t('records.moveToTrash')}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirming(false)}
        loading={remove.isPending}
        error={remove.error}
      />
    </Page>
  );
}

/** The people linked to the company, with their role; link an existing person or add a new one. */
function CompanyPeople({ company: c }: { company: TCompany }) {
  const { t } = useTranslation();
  const _navigate = useNavigate();
  const queryClient = useQueryClient();
  const people = useInfiniteQuery(peopleListQuery({ companyId: c.id, sort: 'name', dir: 'asc' }));
  const rows = people.data?.pages.flatMap((p) => p.items) ?? [];
  const canWrite = useCanWrite();
  const [pick, setPick] = useState<{ id: string | null; label: string }>({ id: null, label: '' });
  const [role, setRole] = useState('');
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['people'] }),
      queryClient.invalidateQueries({ queryKey: ['companies'] }),
    ]);
  const link = useMutation({
    mutationFn: (personId: string) => linkCompany(personId, { companyId: c.id, role: role.trim() || null }),
    onMutate: () => setNotice(null),
    onSuccess: async () => {
      setNotice(t('companies.linked', { name: pick.label }));
      setPick({ id: null, label: '' });
      setRole('');
      await refresh();
    },
  });
  const unlink = useMutation({
    mutationFn: (person: TPerson) => unlinkCompany(person.id, c.id),
    onMutate: () => setNotice(null),
    onSuccess: refresh,
  });

  return (
    <Section title={t('companies.people')}>
      {people.isPending ? (
        <Loading />
      ) : people.isError ? (
        <ErrorAlert error={people.error} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('companies.noPeople')}
        </Text>
      ) : (
        <Stack gap="xs">
          <Table verticalSpacing={4} fz="sm" striped aria-label={t('companies.people')}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('common.name')}</Table.Th>
                <Table.Th>{t('people.role')}</Table.Th>
                <Table.Th>{t('common.email')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    <AnchorLink to="/people/$personId" params={{ personId: p.id }} fz="sm">
                      {personName(p) || t('people.unnamed')}
                    </AnchorLink>
                  </Table.Td>
                  <Table.Td>{p.companies.find((x) => x.companyId === c.id)?.role ?? '—'}</Table.Td>
                  <Table.Td>{primaryOf(p.emails) ?? '—'}</Table.Td>
                  <Table.Td>
                    <Group justify="flex-end">
                      {canWrite && (
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          color="red"
                          aria-label={t('companies.unlinkLabel', { name: personName(p), company: c.name })}
                          loading={unlink.isPending && unlink.variables?.id === p.id}
                          onClick={() => unlink.mutate(p)}
                        >
                          {t('companies.unlink')}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <LoadMore
            shown={rows.length}
            hasMore={people.hasNextPage}
            loading={people.isFetchingNextPage}
            onLoad={() => void people.fetchNextPage()}
          />
        </Stack>
      )}
      <ErrorAlert error={unlink.error} />
      {notice && <SuccessAlert>{notice}</SuccessAlert>}
      {canWrite && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (pick.id) link.mutate(pick.id);
          }}
          aria-label={t('companies.linkTitle')}
        >
          <Group align="flex-end" gap="sm">
            <RemoteSelect
              label={t('companies.person')}
              queryKey="people"
              search={searchPeople}
              value={pick.id}
              valueLabel={pick.label}
              onChange={(id, label) => setPick({ id, label })}
              error={firstFieldError(link.error, 'personId', 'id')}
              w={320}
            />
            <TextInput
              label={t('people.role')}
              value={role}
              onChange={(e) => setRole(e.currentTarget.value)}
              error={fieldError(link.error, 'role')}
            />
            <Button type="submit" variant="default" disabled={!pick.id} loading={link.isPending}>
              {t('companies.link')}
            </Button>
            <ButtonLink variant="subtle" to="/people/new" search={{ companyId: c.id, companyName: c.name }}>
              {t('companies.newPerson')}
            </ButtonLink>
          </Group>
          <ErrorAlert error={link.error} hideWhenFields />
        </form>
      )}
    </Section>
  );
}
