import { Anchor, Badge, Button, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Fact, Facts } from '../../components/facts.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { formatAddress } from '../../components/record-fields.tsx';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import { CustomFieldsFacts } from '../custom-fields/custom-field-input.tsx';
import { FilesSection } from '../files/files-section.tsx';
import { PersonPhoto } from '../files/person-photo.tsx';
import { PersonAccesses } from '../privacy/person-accesses.tsx';
import { PersonPrivacyPanel, RestrictionBanner } from '../privacy/person-privacy-panel.tsx';
import { PersonErasure } from '../privacy-erasure/person-erasure.tsx';
import { PersonRequests } from '../privacy-requests/person-requests.tsx';
import { RecordTasks } from '../tasks/record-tasks.tsx';
import { TimelineSection } from '../timeline/timeline-section.tsx';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import {
  deletePerson,
  findInLists,
  personName,
  personQuery,
  sourceLabel,
  type TContactPoint,
  type TPerson,
  useCanWrite,
  useTeamOptions,
} from './people.api.ts';

const route = getRouteApi('/app/people/$personId');

export function PersonDetailPage() {
  const { t } = useTranslation();
  const { personId } = route.useParams();
  const queryClient = useQueryClient();
  const person = useQuery({
    ...personQuery(personId),
    placeholderData: () => findInLists<TPerson>(queryClient, 'people', personId),
  });
  if (person.isPending) return <Loading />;
  if (person.isError) {
    return (
      <Page title={t('people.title')}>
        <ErrorAlert error={person.error} />
        <AnchorLink to="/people">{t('people.backToList')}</AnchorLink>
      </Page>
    );
  }
  return <PersonDetail person={person.data} />;
}

function PersonDetail({ person: p }: { person: TPerson }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const [confirming, setConfirming] = useState(false);
  const members = useQuery(membersQuery);
  const teams = useTeamOptions();
  const owner = members.data?.find((m) => m.userId === p.ownerId);
  const team = teams.find((x) => x.value === p.teamId);
  const name = personName(p) || t('people.unnamed');

  const remove = useMutation({
    mutationFn: () => deletePerson(p.id),
    onSuccess: async () => {
      setConfirming(false);
      queryClient.removeQueries({ queryKey: personQuery(p.id).queryKey });
      await queryClient.invalidateQueries({ queryKey: ['people'] });
      await queryClient.invalidateQueries({ queryKey: ['companies'] });
      await queryClient.invalidateQueries({ queryKey: ['trash'] });
      await navigate({ to: '/people', search: { deleted: name, deletedId: p.id } });
    },
  });

  return (
    <Page
      title={name}
      intro={p.title ?? undefined}
      actions={
        canWrite && (
          <Group gap="xs">
            <ButtonLink variant="default" to="/people/$personId/edit" params={{ personId: p.id }}>
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
      <AnchorLink to="/people" fz="sm" w="fit-content">
        {t('people.backToList')}
      </AnchorLink>
      <RestrictionBanner personId={p.id} />
      <PersonPhoto person={p} />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Section title={t('people.contact')}>
          <Facts>
            <Fact label={t('people.emails')}>
              <ContactList points={p.emails} href={(v) => `mailto:${v}`} />
            </Fact>
            <Fact label={t('people.phones')}>
              <ContactList points={p.phones} href={(v) => `tel:${v.replace(/\s/g, '')}`} />
            </Fact>
            <Fact label={t('account.address')}>
              {formatAddress(p.address).length > 0
                ? formatAddress(p.address).map((line) => <div key={line}>{line}</div>)
                : '—'}
            </Fact>
          </Facts>
        </Section>
        <Section title={t('people.companies')}>
          {p.companies.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('people.noCompanies')}
            </Text>
          ) : (
            <Table verticalSpacing={4} fz="sm" aria-label={t('people.companies')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('records.company')}</Table.Th>
                  <Table.Th>{t('people.role')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {p.companies.map((c) => (
                  <Table.Tr key={c.companyId}>
                    <Table.Td>
                      <AnchorLink to="/companies/$companyId" params={{ companyId: c.companyId }} fz="sm">
                        {c.name}
                      </AnchorLink>
                    </Table.Td>
                    <Table.Td>{c.role ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Section>
        <Section title={t('people.classification')}>
          <Facts>
            <Fact label={t('records.tags')}>
              {p.tags.length ? (
                <Group gap={4}>
                  {p.tags.map((tag) => (
                    <Badge key={tag} variant="light" tt="none">
                      {tag}
                    </Badge>
                  ))}
                </Group>
              ) : (
                '—'
              )}
            </Fact>
            <Fact label={t('people.subjectCategories')}>
              {p.subjectCategories.length
                ? p.subjectCategories.map((c) => t(`subjectCategories.${c}`)).join(', ')
                : '—'}
            </Fact>
            <Fact label={t('records.source')}>{sourceLabel(p.source)}</Fact>
          </Facts>
          <CustomFieldsFacts object="person" values={p.customFields} />
        </Section>
        <Section title={t('records.access')}>
          <Facts>
            <Fact label={t('records.owner')}>{owner ? owner.name || owner.email : '—'}</Fact>
            <Fact label={t('records.visibility')}>
              {t(`visibility.${p.visibility}`)}
              {p.visibility === 'team' && team ? ` (${team.label})` : ''}
            </Fact>
            <Fact label={t('common.created')}>{formatDateTime(p.createdAt)}</Fact>
            <Fact label={t('records.updated')}>{formatDateTime(p.updatedAt)}</Fact>
          </Facts>
        </Section>
      </SimpleGrid>
      <FilesSection kind="person" recordId={p.id} />
      <TimelineSection kind="person" recordId={p.id} />
      <RecordTasks personId={p.id} />
      <PersonPrivacyPanel personId={p.id} />
      <PersonRequests personId={p.id} />
      <PersonAccesses personId={p.id} />
      <PersonErasure personId={p.id} />
      <ConfirmDialog
        opened={confirming}
        title={t('people.deleteTitle')}
        text={t('records.deleteText', { name, date: formatDate(Date.now() + 30 * 86_400_000) })}
        confirmLabel={t('records.moveToTrash')}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirming(false)}
        loading={remove.isPending}
        error={remove.error}
      />
    </Page>
  );
}

function ContactList({ points, href }: { points: TContactPoint[]; href: (value: string) => string }) {
  const { t } = useTranslation();
  if (points.length === 0) return <>—</>;
  return (
    <Stack gap={2} component="span">
      {points.map((pt) => (
        <Group key={`${pt.type}-${pt.value}`} gap={6} component="span">
          <Anchor href={href(pt.value)} size="sm">
            {pt.value}
          </Anchor>
          <Text span size="xs" c="dimmed">
            {t(`contactTypes.${pt.type as 'other'}`, { defaultValue: pt.type })}
          </Text>
          {pt.primary && points.length > 1 && (
            <Badge size="xs" variant="outline">
              {t('records.primary')}
            </Badge>
          )}
        </Group>
      ))}
    </Stack>
  );
}
