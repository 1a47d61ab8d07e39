import { Button, Group, NativeSelect, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { PERSON_SORTS, type TCustomFieldValue } from '@tillit/contracts';
import { useTranslation } from 'react-i18next';
import {
  ColumnsMenu,
  DeletedNotice,
  RecordsTable,
  TagBadges,
  type TColumn,
  type TSortState,
  useColumnChoice,
  useSearchBoxes,
  useSlashToSearch,
} from '../../components/data-table.tsx';
import { AnchorLink, ButtonLink } from '../../components/links.tsx';
import { RemoteSelect } from '../../components/record-fields.tsx';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import { searchCompanies } from '../companies/companies.api.ts';
import { formatFilters, parseFilters, type TFilterField } from '../custom-fields/filters.ts';
import { FilterBar, useCustomColumns, ViewMenu } from '../custom-fields/table-view.tsx';
import { ExportMenu } from '../export/export-menu.tsx';
import { PersonAvatar } from '../files/person-photo.tsx';
import { restoreFromTrash } from '../trash/trash.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import {
  dayBoundary,
  peopleListQuery,
  personName,
  primaryOf,
  SUBJECT_CATEGORIES,
  sourceLabel,
  type TPeopleFilters,
  type TPerson,
  type TSortField,
  updatePerson,
  useCanWrite,
} from './people.api.ts';

const route = getRouteApi('/app/people');

export function PeopleListPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const canWrite = useCanWrite();
  const search = route.useSearch();
  const sort: TSortState<TSortField> = { sort: search.sort ?? 'name', dir: search.dir ?? 'asc' };
  const { companyName: _label, deleted, deletedId, from, to, savedView: viewId, ...chosen } = search;
  const filters: TPeopleFilters = {
    ...chosen,
    createdAfter: dayBoundary(from, 'start'),
    createdBefore: dayBoundary(to, 'end'),
    ...sort,
  };
  const setSearch = (patch: Partial<TPeopleSearch>) =>
    navigate({
      to: '/people',
      search: (prev) => clean({ ...prev, deleted: undefined, deletedId: undefined, ...patch }),
      replace: true,
    });

  // The search box and tag filter follow typing with a short pause, so that each key is not a request.
  const queryClient = useQueryClient();
  const undo = useMutation({
    mutationFn: (id: string) => restoreFromTrash({ kind: 'person', id }),
    onSuccess: async (_data, id) => {
      await queryClient.invalidateQueries();
      await navigate({ to: '/people/$personId', params: { personId: id } });
    },
  });
  const searchRef = useSlashToSearch();
  const { q, setQ, tag, setTag } = useSearchBoxes(search, setSearch);

  const people = useInfiniteQuery(peopleListQuery(filters));
  const members = useQuery(membersQuery);
  const memberName = (id: string | null) => {
    if (!id) return '—';
    const m = members.data?.find((x) => x.userId === id);
    return m ? m.name || m.email : '—';
  };
  const [shown, toggleColumn, replaceColumns] = useColumnChoice<string>(
    'tillit.columns.people',
    PEOPLE_COLUMNS,
    PEOPLE_DEFAULT_COLUMNS,
  );
  const custom = useCustomColumns<TPerson>('person', {
    canEdit: canWrite,
    label: (p) => personName(p) || t('people.unnamed'),
    save: async (p, key, value: TCustomFieldValue | null) => {
      await updatePerson(p.id, { customFields: { [key]: value } });
      await queryClient.invalidateQueries({ queryKey: ['people'] });
    },
  });
  const filterFields: TFilterField[] = [
    { id: 'name', label: t('common.name'), kind: 'text' },
    { id: 'title', label: t('people.jobTitle'), kind: 'text' },
    { id: 'email', label: t('common.email'), kind: 'text' },
    { id: 'city', label: t('account.city'), kind: 'text' },
    { id: 'country', label: t('customFields.country'), kind: 'text' },
    { id: 'tag', label: t('records.tag'), kind: 'set' },
    { id: 'createdAt', label: t('common.created'), kind: 'timestamp' },
    { id: 'updatedAt', label: t('records.updated'), kind: 'timestamp' },
    ...custom.filterFields,
  ];
  const viewFilters = parseFilters(search.filter);
  const builtin: TColumn<string, TPerson, string>[] = [
    { key: 'email', label: t('common.email'), cell: (p) => primaryOf(p.emails) ?? '—' },
    { key: 'phone', label: t('people.phone'), cell: (p) => primaryOf(p.phones) ?? '—', nowrap: true },
    { key: 'title', label: t('people.jobTitle'), sort: 'title', firstDir: 'asc', cell: (p) => p.title ?? '—' },
    { key: 'companies', label: t('people.companies'), cell: (p) => p.companies.map((c) => c.name).join(', ') || '—' },
    { key: 'city', label: t('account.city'), sort: 'city', firstDir: 'asc', cell: (p) => p.address.city ?? '—' },
    { key: 'tags', label: t('records.tags'), cell: (p) => <TagBadges tags={p.tags} /> },
    {
      key: 'categories',
      label: t('people.subjectCategories'),
      cell: (p) => p.subjectCategories.map((c) => t(`subjectCategories.${c}`)).join(', '),
    },
    { key: 'owner', label: t('records.owner'), sort: 'owner', firstDir: 'asc', cell: (p) => memberName(p.ownerId) },
    { key: 'visibility', label: t('records.visibility'), cell: (p) => t(`visibility.${p.visibility}`) },
    { key: 'source', label: t('records.source'), cell: (p) => sourceLabel(p.source) },
    {
      key: 'createdAt',
      label: t('common.created'),
      sort: 'createdAt',
      cell: (p) => formatDate(p.createdAt),
      nowrap: true,
    },
    {
      key: 'updatedAt',
      label: t('records.updated'),
      sort: 'updatedAt',
      cell: (p) => formatDate(p.updatedAt),
      nowrap: true,
    },
  ];
  const columns = [...builtin, ...custom.columns];
  const visible = columns.filter((c) => shown.has(c.key));
  const rows = people.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(
    search.q ||
      search.tag ||
      search.ownerId ||
      search.subjectCategory ||
      search.companyId ||
      from ||
      to ||
      viewFilters.length,
  );

  return (
    <Page
      wide
      title={t('people.title')}
      actions={
        <Group gap="xs">
          <ViewMenu
            object="person"
            activeId={viewId}
            current={{
              columns: [...shown].filter((c) => columns.some((x) => x.key === c)),
              filters: viewFilters,
              sort: { field: sort.sort, dir: sort.dir },
            }}
            onOpen={(v) => {
              if (v) replaceColumns(v.columns);
              void navigate({
                to: '/people',
                search: clean({
                  savedView: v?.id,
                  filter: v?.filters.length ? formatFilters(v.filters) : undefined,
                  sort: v?.sort?.field as TSortField | undefined,
                  dir: v?.sort?.dir,
                }),
                replace: true,
              });
            }}
          />
          <ColumnsMenu columns={columns} shown={shown} onToggle={toggleColumn} />
          {canWrite && (
            <ButtonLink to="/people/import" variant="default" size="xs">
              {t('imports.open')}
            </ButtonLink>
          )}
          {canWrite && <ExportMenu entity="people" filters={filters} />}
          {canWrite && (
            <ButtonLink to="/people/duplicates" variant="default" size="xs">
              {t('duplicates.open')}
            </ButtonLink>
          )}
          {canWrite && <ButtonLink to="/people/new">{t('people.new')}</ButtonLink>}
        </Group>
      }
    >
      {deleted && (
        <DeletedNotice
          name={deleted}
          onUndo={deletedId ? () => undo.mutate(deletedId) : undefined}
          undoing={undo.isPending}
          error={undo.error}
          trashLink={
            <AnchorLink to="/trash" fz="sm">
              {t('trash.open')}
            </AnchorLink>
          }
        />
      )}
      <Group align="flex-end" gap="sm" role="search" aria-label={t('records.filters')}>
        <TextInput
          ref={searchRef}
          type="search"
          label={t('records.search')}
          aria-keyshortcuts="/"
          placeholder={t('people.searchHint')}
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={260}
          error={fieldError(people.error, 'q')}
        />
        <TextInput
          label={t('records.tag')}
          value={tag}
          onChange={(e) => setTag(e.currentTarget.value)}
          w={140}
          error={fieldError(people.error, 'tag')}
        />
        <NativeSelect
          label={t('records.owner')}
          value={search.ownerId ?? ''}
          onChange={(e) => void setSearch({ ownerId: e.currentTarget.value || undefined })}
          data={[
            { value: '', label: t('records.anyone') },
            ...(members.data ?? []).map((m) => ({ value: m.userId, label: m.name || m.email })),
          ]}
          w={180}
        />
        <NativeSelect
          label={t('people.subjectCategory')}
          value={search.subjectCategory ?? ''}
          onChange={(e) => void setSearch({ subjectCategory: e.currentTarget.value || undefined })}
          data={[
            { value: '', label: t('records.any') },
            ...SUBJECT_CATEGORIES.map((c) => ({ value: c, label: t(`subjectCategories.${c}`) })),
          ]}
          w={200}
        />
        <RemoteSelect
          label={t('records.company')}
          placeholder={t('records.anyCompany')}
          queryKey="companies"
          search={searchCompanies}
          value={search.companyId ?? null}
          valueLabel={search.companyName}
          onChange={(companyId, companyName) =>
            void setSearch({ companyId: companyId ?? undefined, companyName: companyId ? companyName : undefined })
          }
          w={220}
        />
        <TextInput
          type="date"
          label={t('records.createdAfter')}
          value={search.from ?? ''}
          onChange={(e) => void setSearch({ from: e.currentTarget.value || undefined })}
          w={150}
          error={fieldError(people.error, 'createdAfter')}
        />
        <TextInput
          type="date"
          label={t('records.createdBefore')}
          value={search.to ?? ''}
          onChange={(e) => void setSearch({ to: e.currentTarget.value || undefined })}
          w={150}
          error={fieldError(people.error, 'createdBefore')}
        />
        {filtered && (
          <Button
            variant="subtle"
            onClick={() => {
              setQ('');
              setTag('');
              void navigate({
                to: '/people',
                search: clean({ sort: search.sort, dir: search.dir, savedView: search.savedView }),
                replace: true,
              });
            }}
          >
            {t('records.clearFilters')}
          </Button>
        )}
      </Group>
      <FilterBar
        fields={filterFields}
        filters={viewFilters}
        error={people.error}
        onChange={(next) => void setSearch({ filter: next.length ? formatFilters(next) : undefined })}
      />
      {people.isPending ? (
        <Loading />
      ) : people.isError ? (
        <ErrorAlert error={people.error} hideWhenFields />
      ) : rows.length === 0 ? (
        <Text c="dimmed">{filtered ? t('records.noMatches') : t('people.empty')}</Text>
      ) : (
        <RecordsTable
          label={t('people.title')}
          rows={rows}
          columns={visible}
          sort={sort}
          onSort={(s) => void setSearch(s as TSortState<TSortField>)}
          name={(p) => (
            <>
              <PersonAvatar person={p} />
              <AnchorLink to="/people/$personId" params={{ personId: p.id }} fw={500} fz="sm">
                {personName(p) || t('people.unnamed')}
              </AnchorLink>
              {p.title && !shown.has('title') && (
                <Text span c="dimmed" fz="xs" ml={6}>
                  {p.title}
                </Text>
              )}
            </>
          )}
          onOpen={(r) => void navigate({ to: '/people/$personId', params: { personId: r.id } })}
          list={people}
        />
      )}
    </Page>
  );
}

export type TPeopleSearch = Omit<TPeopleFilters, 'createdAfter' | 'createdBefore'> & {
  companyName?: string;
  /** The saved view that is open. */
  savedView?: string;
  deleted?: string;
  deletedId?: string;
  from?: string;
  to?: string;
};

function clean<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;
}

const SORTS = PERSON_SORTS;

const PEOPLE_COLUMNS = [
  'email',
  'phone',
  'title',
  'companies',
  'city',
  'tags',
  'categories',
  'owner',
  'visibility',
  'source',
  'createdAt',
  'updatedAt',
] as const;
const PEOPLE_DEFAULT_COLUMNS: string[] = ['email', 'phone', 'companies', 'tags', 'owner', 'createdAt', 'updatedAt'];

/** The list's state lives in the address, so that a filtered view can be shared and survives Back. */
export function validatePeopleSearch(s: Record<string, unknown>): TPeopleSearch {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const day = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined);
  return clean({
    q: str(s.q),
    tag: str(s.tag),
    ownerId: str(s.ownerId),
    subjectCategory: str(s.subjectCategory),
    companyId: str(s.companyId),
    companyName: str(s.companyName),
    deleted: str(s.deleted),
    deletedId: str(s.deletedId),
    from: day(s.from),
    to: day(s.to),
    sort: SORTS.find((x) => x === s.sort) ?? customSort(s.sort),
    savedView: str(s.savedView),
    filter: filterList(s.filter),
    dir: s.dir === 'asc' || s.dir === 'desc' ? s.dir : undefined,
  });
}

/** `cf.<key>` from the address, or nothing. */
function customSort(v: unknown): `cf.${string}` | undefined {
  return typeof v === 'string' && /^cf\.[a-z][a-z0-9_]{0,39}$/.test(v) ? (v as `cf.${string}`) : undefined;
}

/** The table-view filters of the address: one string or a list. */
export function filterList(v: unknown): string[] | undefined {
  const list = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string' && x.length > 0);
  return list.length ? list.slice(0, 20) : undefined;
}
