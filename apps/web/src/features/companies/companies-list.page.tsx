import { Button, Group, NativeSelect, Text, TextInput } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { COMPANY_SORTS } from '@tillit/contracts';
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
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import { formatFilters, parseFilters, type TFilterField } from '../custom-fields/filters.ts';
import { FilterBar, useCustomColumns, ViewMenu } from '../custom-fields/table-view.tsx';
import { ExportMenu } from '../export/export-menu.tsx';
import { dayBoundary, type TSortField, useCanWrite } from '../people/people.api.ts';
import { filterList } from '../people/people-list.page.tsx';
import { restoreFromTrash } from '../trash/trash.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { companiesListQuery, type TCompany, type TCompanyFilters, updateCompany } from './companies.api.ts';

const route = getRouteApi('/app/companies');

export function CompaniesListPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const canWrite = useCanWrite();
  const search = route.useSearch();
  const sort: TSortState<TSortField> = { sort: search.sort ?? 'name', dir: search.dir ?? 'asc' };
  const { deleted, deletedId, from, to, savedView: viewId, ...chosen } = search;
  const filters: TCompanyFilters = {
    ...chosen,
    createdAfter: dayBoundary(from, 'start'),
    createdBefore: dayBoundary(to, 'end'),
    ...sort,
  };
  const setSearch = (patch: Partial<TCompaniesSearch>) =>
    navigate({
      to: '/companies',
      search: (prev) => clean({ ...prev, deleted: undefined, deletedId: undefined, ...patch }),
      replace: true,
    });

  const queryClient = useQueryClient();
  const undo = useMutation({
    mutationFn: (id: string) => restoreFromTrash({ kind: 'company', id }),
    onSuccess: async (_data, id) => {
      await queryClient.invalidateQueries();
      await navigate({ to: '/companies/$companyId', params: { companyId: id } });
    },
  });
  const searchRef = useSlashToSearch();
  const { q, setQ, tag, setTag } = useSearchBoxes(search, setSearch);

  const companies = useInfiniteQuery(companiesListQuery(filters));
  const members = useQuery(membersQuery);
  const memberName = (id: string | null) => {
    if (!id) return '—';
    const m = members.data?.find((x) => x.userId === id);
    return m ? m.name || m.email : '—';
  };
  const [shown, toggleColumn, replaceColumns] = useColumnChoice<string>(
    'tillit.columns.companies',
    COMPANY_COLUMNS,
    COMPANY_DEFAULT_COLUMNS,
  );
  const custom = useCustomColumns<TCompany>('company', {
    canEdit: canWrite,
    label: (c) => c.name,
    save: async (c, key, value) => {
      await updateCompany(c.id, { customFields: { [key]: value } });
      await queryClient.invalidateQueries({ queryKey: ['companies'] });
    },
  });
  const filterFields: TFilterField[] = [
    { id: 'name', label: t('common.name'), kind: 'text' },
    { id: 'domain', label: t('companies.domain'), kind: 'text' },
    { id: 'industry', label: t('companies.industry'), kind: 'text' },
    { id: 'city', label: t('account.city'), kind: 'text' },
    { id: 'country', label: t('customFields.country'), kind: 'text' },
    { id: 'tag', label: t('records.tag'), kind: 'set' },
    { id: 'createdAt', label: t('common.created'), kind: 'timestamp' },
    { id: 'updatedAt', label: t('records.updated'), kind: 'timestamp' },
    ...custom.filterFields,
  ];
  const viewFilters = parseFilters(search.filter);
  const builtin: TColumn<string, TCompany, string>[] = [
    { key: 'domain', label: t('companies.domain'), sort: 'domain', firstDir: 'asc', cell: (c) => c.domain ?? '—' },
    {
      key: 'orgNumber',
      label: t('companies.orgNumber'),
      sort: 'orgNumber',
      firstDir: 'asc',
      cell: (c) => c.orgNumber ?? '—',
      nowrap: true,
    },
    {
      key: 'industry',
      label: t('companies.industry'),
      sort: 'industry',
      firstDir: 'asc',
      cell: (c) => c.industry ?? '—',
    },
    {
      key: 'size',
      label: t('companies.size'),
      sort: 'size',
      firstDir: 'asc',
      cell: (c) => c.size ?? '—',
      nowrap: true,
    },
    { key: 'city', label: t('account.city'), sort: 'city', firstDir: 'asc', cell: (c) => c.address.city ?? '—' },
    { key: 'tags', label: t('records.tags'), cell: (c) => <TagBadges tags={c.tags} /> },
    { key: 'owner', label: t('records.owner'), sort: 'owner', firstDir: 'asc', cell: (c) => memberName(c.ownerId) },
    { key: 'visibility', label: t('records.visibility'), cell: (c) => t(`visibility.${c.visibility}`) },
    {
      key: 'createdAt',
      label: t('common.created'),
      sort: 'createdAt',
      cell: (c) => formatDate(c.createdAt),
      nowrap: true,
    },
    {
      key: 'updatedAt',
      label: t('records.updated'),
      sort: 'updatedAt',
      cell: (c) => formatDate(c.updatedAt),
      nowrap: true,
    },
  ];
  const columns = [...builtin, ...custom.columns];
  const visible = columns.filter((c) => shown.has(c.key));
  const rows = companies.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(search.q || search.tag || search.ownerId || from || to || viewFilters.length);

  return (
    <Page
      wide
      title={t('companies.title')}
      actions={
        <Group gap="xs">
          <ViewMenu
            object="company"
            activeId={viewId}
            current={{
              columns: [...shown].filter((c) => columns.some((x) => x.key === c)),
              filters: viewFilters,
              sort: { field: sort.sort, dir: sort.dir },
            }}
            onOpen={(v) => {
              if (v) replaceColumns(v.columns);
              void navigate({
                to: '/companies',
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
          {canWrite && <ExportMenu entity="companies" filters={filters} />}
          <ButtonLink to="/companies/duplicates" variant="default" size="xs">
            {t('companyDuplicates.open')}
          </ButtonLink>
          {canWrite && <ButtonLink to="/companies/new">{t('companies.new')}</ButtonLink>}
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
          placeholder={t('companies.searchHint')}
          value={q}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={260}
          error={fieldError(companies.error, 'q')}
        />
        <TextInput
          label={t('records.tag')}
          value={tag}
          onChange={(e) => setTag(e.currentTarget.value)}
          w={140}
          error={fieldError(companies.error, 'tag')}
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
        <TextInput
          type="date"
          label={t('records.createdAfter')}
          value={search.from ?? ''}
          onChange={(e) => void setSearch({ from: e.currentTarget.value || undefined })}
          w={150}
          error={fieldError(companies.error, 'createdAfter')}
        />
        <TextInput
          type="date"
          label={t('records.createdBefore')}
          value={search.to ?? ''}
          onChange={(e) => void setSearch({ to: e.currentTarget.value || undefined })}
          w={150}
          error={fieldError(companies.error, 'createdBefore')}
        />
        {filtered && (
          <Button
            variant="subtle"
            onClick={() => {
              setQ('');
              setTag('');
              void navigate({
                to: '/companies',
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
        error={companies.error}
        onChange={(next) => void setSearch({ filter: next.length ? formatFilters(next) : undefined })}
      />
      {companies.isPending ? (
        <Loading />
      ) : companies.isError ? (
        <ErrorAlert error={companies.error} hideWhenFields />
      ) : rows.length === 0 ? (
        <Text c="dimmed">{filtered ? t('records.noMatches') : t('companies.empty')}</Text>
      ) : (
        <RecordsTable
          label={t('companies.title')}
          rows={rows}
          columns={visible}
          sort={sort}
          onSort={(s) => void setSearch(s as TSortState<TSortField>)}
          name={(c) => (
            <AnchorLink to="/companies/$companyId" params={{ companyId: c.id }} fw={500} fz="sm">
              {c.name}
            </AnchorLink>
          )}
          onOpen={(r) => void navigate({ to: '/companies/$companyId', params: { companyId: r.id } })}
          list={companies}
        />
      )}
    </Page>
  );
}

export type TCompaniesSearch = Omit<TCompanyFilters, 'createdAfter' | 'createdBefore'> & {
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

const SORTS = COMPANY_SORTS;

const COMPANY_COLUMNS = [
  'domain',
  'orgNumber',
  'industry',
  'size',
  'city',
  'tags',
  'owner',
  'visibility',
  'createdAt',
  'updatedAt',
] as const;
const COMPANY_DEFAULT_COLUMNS: string[] = [
  'domain',
  'orgNumber',
  'industry',
  'city',
  'tags',
  'owner',
  'createdAt',
  'updatedAt',
];

export function validateCompaniesSearch(s: Record<string, unknown>): TCompaniesSearch {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const day = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined);
  return clean({
    q: str(s.q),
    tag: str(s.tag),
    ownerId: str(s.ownerId),
    deleted: str(s.deleted),
    deletedId: str(s.deletedId),
    from: day(s.from),
    to: day(s.to),
    sort:
      SORTS.find((x) => x === s.sort) ??
      (typeof s.sort === 'string' && /^cf\.[a-z][a-z0-9_]{0,39}$/.test(s.sort)
        ? (s.sort as `cf.${string}`)
        : undefined),
    savedView: str(s.savedView),
    filter: filterList(s.filter),
    dir: s.dir === 'asc' || s.dir === 'desc' ? s.dir : undefined,
  });
}
