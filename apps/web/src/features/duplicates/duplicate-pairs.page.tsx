import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import {
  type InfiniteData,
  type UseInfiniteQueryOptions,
  useInfiniteQuery,
  useMutation,
  useQueryClient,
} from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { ButtonLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page } from '../../components/ui.tsx';
import { useCanWrite } from '../people/people.api.ts';

type PairPage<Item> = { items: Item[]; nextCursor: string | null };

/**
 * The review of candidate duplicates, pair by pair, for people and companies alike: each record
 * (a link and a line of details), why the pair looks alike, and for members Merge (the merge
 * screen with `a` and `b`) and Not duplicates (dismiss, then the list again). What differs is
 * the record: how to get the pair from an item, link it, detail it and name a reason.
 */
export function DuplicatePairsPage<Item, Rec extends { id: string }, Reason extends string>(props: {
  title: string;
  intro: string;
  /** The first record's column header (Person, Company). */
  first: string;
  query: UseInfiniteQueryOptions<PairPage<Item>, Error, InfiniteData<PairPage<Item>>, string[], string | null>;
  dismiss: (ids: [string, string]) => Promise<unknown>;
  mergeTo: '/people/merge' | '/companies/merge';
  pairOf: (item: Item) => { records: [Rec, Rec]; reasons: Reason[] };
  name: (record: Rec) => string;
  link: (record: Rec) => ReactNode;
  details: (record: Rec) => (string | null | undefined)[];
  reason: (reason: Reason) => string;
}) {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const pairs = useInfiniteQuery(props.query);
  const dismiss = useMutation({
    mutationFn: props.dismiss,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: props.query.queryKey }),
  });
  const items = pairs.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Page wide title={props.title} intro={props.intro}>
      <ErrorAlert error={pairs.error ?? dismiss.error} />
      {pairs.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Text c="dimmed">{t('duplicates.none')}</Text>
      ) : (
        <Stack gap="sm">
          <Table striped aria-label={props.title}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{props.first}</Table.Th>
                <Table.Th>{t('duplicates.second')}</Table.Th>
                <Table.Th>{t('duplicates.why')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((item) => {
                const {
                  records: [a, b],
                  reasons,
                } = props.pairOf(item);
                const names = `${props.name(a)} / ${props.name(b)}`;
                return (
                  <Table.Tr key={`${a.id}:${b.id}`}>
                    {[a, b].map((r) => (
                      <Table.Td key={r.id}>
                        {props.link(r)}
                        <Text size="xs" c="dimmed">
                          {props.details(r).filter(Boolean).join(' · ')}
                        </Text>
                      </Table.Td>
                    ))}
                    <Table.Td>
                      <Group gap={4}>
                        {reasons.map((r) => (
                          <Badge key={r} size="xs" variant="light" tt="none">
                            {props.reason(r)}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      {canWrite && (
                        <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <ButtonLink
                            size="xs"
                            to={props.mergeTo}
                            search={{ a: a.id, b: b.id }}
                            aria-label={t('duplicates.mergeLabel', { names })}
                          >
                            {t('duplicates.merge')}
                          </ButtonLink>
                          <Button
                            size="xs"
                            variant="default"
                            loading={dismiss.isPending && dismiss.variables?.[0] === a.id}
                            onClick={() => dismiss.mutate([a.id, b.id])}
                            aria-label={t('duplicates.dismissLabel', { names })}
                          >
                            {t('duplicates.dismiss')}
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          <LoadMore
            shown={items.length}
            hasMore={Boolean(pairs.hasNextPage)}
            loading={pairs.isFetchingNextPage}
            onLoad={() => void pairs.fetchNextPage()}
          />
        </Stack>
      )}
    </Page>
  );
}
