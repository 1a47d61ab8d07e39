import { CloseButton, Group, Paper, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { firstFieldError, RemoteSelect } from '../../components/record-fields.tsx';
import { companyQuery, searchCompanies } from '../companies/companies.api.ts';
import { dealQuery } from '../deals/deals.api.ts';
import { personName, personQuery, searchPeople } from '../people/people.api.ts';
import { searchDeals } from './tasks.api.ts';

export type TLinkKind = 'person' | 'company' | 'deal';
export type TPicked = { id: string; label: string | null };

const SEARCH = { person: searchPeople, company: searchCompanies, deal: searchDeals } as const;
const QUERY_KEY = { person: 'people', company: 'companies', deal: 'deals' } as const;

/** The name of a linked record, loaded when not known yet. */
export function RecordName({ kind, id, link = false }: { kind: TLinkKind; id: string; link?: boolean }) {
  const person = useQuery({ ...personQuery(id), enabled: kind === 'person', staleTime: 60_000, retry: false });
  const company = useQuery({ ...companyQuery(id), enabled: kind === 'company', staleTime: 60_000, retry: false });
  const deal = useQuery({ ...dealQuery(id), enabled: kind === 'deal', staleTime: 60_000, retry: false });
  const name =
    kind === 'person'
      ? person.data && personName(person.data)
      : kind === 'company'
        ? company.data?.name
        : deal.data?.name;
  if (!link) return <>{name ?? '…'}</>;
  if (kind === 'person')
    return (
      <AnchorLink to="/people/$personId" params={{ personId: id }} fz="sm">
        {name ?? '…'}
      </AnchorLink>
    );
  if (kind === 'company')
    return (
      <AnchorLink to="/companies/$companyId" params={{ companyId: id }} fz="sm">
        {name ?? '…'}
      </AnchorLink>
    );
  return (
    <AnchorLink to="/deals/$dealId" params={{ dealId: id }} fz="sm">
      {name ?? '…'}
    </AnchorLink>
  );
}

/** A searchable select that adds records to a list, and the list with a remove button each. */
export function LinkPicker(props: {
  kind: TLinkKind;
  label: string;
  listLabel: string;
  name: string;
  value: TPicked[];
  onChange: (next: TPicked[]) => void;
  error?: unknown;
}) {
  const { t } = useTranslation();
  const [pick, setPick] = useState<{ id: string | null; label: string }>({ id: null, label: '' });
  return (
    <Stack gap={4}>
      <RemoteSelect
        label={props.label}
        queryKey={QUERY_KEY[props.kind]}
        search={SEARCH[props.kind]}
        value={pick.id}
        valueLabel={pick.label}
        onChange={(id, label) => {
          if (id && !props.value.some((p) => p.id === id)) props.onChange([...props.value, { id, label }]);
          setPick({ id: null, label: '' });
        }}
        error={firstFieldError(props.error, props.name)}
        w={360}
      />
      {props.value.length > 0 && (
        <Paper withBorder p="xs" maw={360} component="ul" style={{ listStyle: 'none' }} aria-label={props.listLabel}>
          {props.value.map((p) => (
            <Group component="li" key={p.id} justify="space-between" gap="xs" wrap="nowrap">
              <Text size="sm">{p.label ?? <RecordName kind={props.kind} id={p.id} />}</Text>
              <CloseButton
                size="sm"
                aria-label={t('tasks.unlink', { name: p.label ?? '' })}
                onClick={() => props.onChange(props.value.filter((x) => x.id !== p.id))}
              />
            </Group>
          ))}
        </Paper>
      )}
    </Stack>
  );
}
