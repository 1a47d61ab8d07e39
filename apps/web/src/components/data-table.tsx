import { Alert, Badge, Button, Checkbox, Group, Popover, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { type ReactNode, type RefObject, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../lib/i18n.ts';

export type TSortState<F extends string> = { sort: F; dir: 'asc' | 'desc' };

/** A column header that sorts the list when clicked (or activated from the keyboard);
 *  a second click reverses the order. `aria-sort` tells assistive technology which way. */
export function SortableTh<F extends string>(props: {
  field: F;
  label: string;
  state: TSortState<F>;
  onSort: (next: TSortState<F>) => void;
  /** The order a first click picks: names read best A→Z, dates newest first. */
  firstDir?: 'asc' | 'desc';
  w?: number | string;
}) {
  const { field, label, state, onSort } = props;
  const active = state.sort === field;
  const next: TSortState<F> = active
    ? { sort: field, dir: state.dir === 'asc' ? 'desc' : 'asc' }
    : { sort: field, dir: props.firstDir ?? 'asc' };
  return (
    <Table.Th
      w={props.w}
      aria-sort={active ? (state.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
      style={{ whiteSpace: 'nowrap' }}
    >
      <UnstyledButton onClick={() => onSort(next)} fw={700} fz="sm" style={{ borderRadius: 2 }}>
        {label}
        <Text span aria-hidden c={active ? undefined : 'gray.4'} ml={4} fz="xs">
          {active ? (state.dir === 'asc' ? '▲' : '▼') : '↕'}
        </Text>
      </UnstyledButton>
    </Table.Th>
  );
}

/** Keyset pagination: the next page follows the last row, never a page number. */
export function LoadMore(props: { shown: number; hasMore: boolean; loading: boolean; onLoad: () => void }) {
  const { t } = useTranslation();
  return (
    <Group gap="sm">
      <Text size="sm" c="dimmed" role="status">
        {t('records.shown', { count: props.shown })}
      </Text>
      {props.hasMore && (
        <Button variant="default" size="xs" onClick={props.onLoad} loading={props.loading}>
          {t('common.loadMore')}
        </Button>
      )}
    </Group>
  );
}

/** A row of a dense list that opens its record when clicked. The name cell also holds a
 *  real link, so keyboard and screen-reader users reach the record the usual way. */
export function ClickableRow(props: { onOpen: () => void; children: ReactNode }) {
  return (
    <Table.Tr
      style={{ cursor: 'pointer' }}
      onClick={(e) => {
        // Links, buttons and selections inside the row keep their own behaviour.
        if ((e.target as HTMLElement).closest('a, button, input, select, textarea')) return;
        if (window.getSelection()?.toString()) return;
        props.onOpen();
      }}
    >
      {props.children}
    </Table.Tr>
  );
}

/** "Ada Lovelace was moved to the trash." with Undo at hand and the way to the trash. */
export function DeletedNotice(props: {
  name: string;
  onUndo?: () => void;
  undoing: boolean;
  error: unknown;
  trashLink: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Alert color={props.error ? 'red' : 'teal'} role="status">
      <Group gap="sm">
        <Text size="sm">{t('records.movedToTrash', { name: props.name })}</Text>
        {props.onUndo && (
          <Button size="compact-sm" variant="white" onClick={props.onUndo} loading={props.undoing}>
            {t('records.undo')}
          </Button>
        )}
        {props.trashLink}
      </Group>
      {Boolean(props.error) && (
        <Text size="sm" c="red" role="alert">
          {describeError(props.error)}
        </Text>
      )}
    </Alert>
  );
}

/** Which optional columns a table shows, remembered on this browser. Columns may come and go
 *  (custom fields load after the page): a saved column that is not known yet stays chosen and
 *  shows once it exists. `replace` sets the whole choice (a saved view opening). */
export function useColumnChoice<C extends string>(
  storageKey: string,
  all: readonly C[],
  defaults: readonly C[],
): [Set<C>, (column: C, shown: boolean) => void, (columns: readonly C[]) => void] {
  const [shown, setShown] = useState<Set<C>>(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as unknown;
      if (Array.isArray(saved))
        return new Set(
          saved.filter((c): c is C => typeof c === 'string' && (all.includes(c as C) || c.startsWith('cf.'))),
        );
    } catch {}
    return new Set(defaults);
  });
  const remember = (next: Set<C>) => {
    try {
      localStorage.setItem(storageKey, JSON.stringify([...next]));
    } catch {}
  };
  const toggle = (column: C, on: boolean) => {
    setShown((prev) => {
      const next = new Set(prev);
      if (on) next.add(column);
      else next.delete(column);
      remember(next);
      return next;
    });
  };
  const replace = (columns: readonly C[]) => {
    const next = new Set(columns);
    remember(next);
    setShown(next);
  };
  return [shown, toggle, replace];
}

/** A "Columns" button opening a list of checkboxes, one per optional column. */
export function ColumnsMenu<C extends string>(props: {
  columns: readonly { key: C; label: string }[];
  shown: Set<C>;
  onToggle: (column: C, shown: boolean) => void;
}) {
  const { t } = useTranslation();
  return (
    <Popover position="bottom-end" shadow="md" trapFocus returnFocus>
      <Popover.Target>
        <Button variant="default" size="xs">
          {t('records.columns')}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap={6} role="group" aria-label={t('records.columns')}>
          {props.columns.map((c) => (
            <Checkbox
              key={c.key}
              size="xs"
              label={c.label}
              checked={props.shown.has(c.key)}
              onChange={(e) => props.onToggle(c.key, e.currentTarget.checked)}
            />
          ))}
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

/** An optional column of a dense list: its header, its cell, and the sort it offers if any
 *  (a built-in sort such as createdAt, or `cf.<key>` for a custom field). */
export type TColumn<C extends string, R, S extends string = 'createdAt' | 'updatedAt'> = {
  key: C;
  label: string;
  cell: (row: R) => ReactNode;
  sort?: S;
  nowrap?: boolean;
  /** The order a first click on its header picks (default: newest/largest first). */
  firstDir?: 'asc' | 'desc';
};

export function TagBadges({ tags }: { tags: string[] }) {
  return (
    <Group gap={4}>
      {tags.map((tag) => (
        <Badge key={tag} size="xs" variant="light" tt="none">
          {tag}
        </Badge>
      ))}
    </Group>
  );
}

/** "/" anywhere outside a text field jumps to the list's search box, as in most web apps. */
export function useSlashToSearch(): RefObject<HTMLInputElement | null> {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      e.preventDefault();
      ref.current?.focus();
      ref.current?.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return ref;
}

/**
 * The search box and tag filter of a list whose state lives in the address: the address follows
 * typing after a short pause (so that each key is not a request), and a change of address from
 * elsewhere (a link, Back) brings the boxes in line.
 */
export function useSearchBoxes(
  search: { q?: string | undefined; tag?: string | undefined },
  setSearch: (patch: { q: string | undefined; tag: string | undefined }) => unknown,
) {
  const [q, setQ] = useState(search.q ?? '');
  const [tag, setTag] = useState(search.tag ?? '');
  const [debouncedQ] = useDebouncedValue(q, 250);
  const [debouncedTag] = useDebouncedValue(tag, 250);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only typing should navigate
  useEffect(() => {
    if ((search.q ?? '') !== debouncedQ.trim() || (search.tag ?? '') !== debouncedTag.trim()) {
      void setSearch({ q: debouncedQ.trim() || undefined, tag: debouncedTag.trim() || undefined });
    }
  }, [debouncedQ, debouncedTag]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the address should reset the boxes
  useEffect(() => {
    if ((search.q ?? '') !== debouncedQ.trim()) setQ(search.q ?? '');
    if ((search.tag ?? '') !== debouncedTag.trim()) setTag(search.tag ?? '');
  }, [search.q, search.tag]);
  return { q, setQ, tag, setTag };
}

/**
 * The table of a record list (people, companies): the name column, then the chosen columns
 * (a header that sorts where the column has a sort), rows that open their record, and Load
 * more. `list` is the list's infinite query: busy while it fetches, faded while it still shows
 * the rows of the previous filters.
 */
export function RecordsTable<R extends { id: string }>(props: {
  label: string;
  rows: R[];
  columns: TColumn<string, R, string>[];
  sort: TSortState<string>;
  onSort: (next: TSortState<string>) => void;
  /** The name cell: a link to the record (and what goes with the name). */
  name: (row: R) => ReactNode;
  onOpen: (row: R) => void;
  list: {
    isFetching: boolean;
    isPlaceholderData: boolean;
    hasNextPage: boolean;
    isFetchingNextPage: boolean;
    fetchNextPage: () => unknown;
  };
}) {
  const { t } = useTranslation();
  const { rows, columns, sort, onSort, list } = props;
  return (
    <Stack gap="sm">
      <Table.ScrollContainer minWidth={1000}>
        <Table
          striped
          highlightOnHover
          verticalSpacing={4}
          fz="sm"
          aria-label={props.label}
          aria-busy={list.isFetching}
          style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}
        >
          <Table.Thead>
            <Table.Tr>
              <SortableTh field="name" label={t('common.name')} state={sort} onSort={onSort} />
              {columns.map((c) =>
                c.sort ? (
                  <SortableTh
                    key={c.key}
                    field={c.sort}
                    label={c.label}
                    state={sort}
                    firstDir={c.firstDir ?? 'desc'}
                    onSort={onSort}
                  />
                ) : (
                  <Table.Th key={c.key}>{c.label}</Table.Th>
                ),
              )}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <ClickableRow key={row.id} onOpen={() => props.onOpen(row)}>
                <Table.Td>{props.name(row)}</Table.Td>
                {columns.map((c) => (
                  <Table.Td key={c.key} style={c.nowrap ? { whiteSpace: 'nowrap' } : undefined}>
                    {c.cell(row)}
                  </Table.Td>
                ))}
              </ClickableRow>
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
  );
}
