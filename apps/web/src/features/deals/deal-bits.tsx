import { Badge, NativeSelect } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { visuallyHidden } from '../../components/ui.tsx';
import { companyQuery } from '../companies/companies.api.ts';
import { personName, personQuery } from '../people/people.api.ts';
import type { TDeal, TStage } from './deals.api.ts';

/** The deal carries only the company's id: its name comes from the (shared, cached) company query. */
export function CompanyName({ id, link = false }: { id: string | null; link?: boolean }) {
  const company = useQuery({ ...companyQuery(id ?? ''), enabled: Boolean(id), staleTime: 60_000, retry: false });
  if (!id) return '—';
  const name = company.data?.name ?? '…';
  return link ? (
    <AnchorLink to="/companies/$companyId" params={{ companyId: id }} fz="sm">
      {name}
    </AnchorLink>
  ) : (
    name
  );
}

export function PersonName({ id, link = false }: { id: string; link?: boolean }) {
  const { t } = useTranslation();
  const person = useQuery({ ...personQuery(id), staleTime: 60_000, retry: false });
  const name = person.data ? personName(person.data) || t('people.unnamed') : '…';
  return link ? (
    <AnchorLink to="/people/$personId" params={{ personId: id }} fz="sm">
      {name}
    </AnchorLink>
  ) : (
    name
  );
}

export function StatusBadge({ status }: { status: TDeal['status'] }) {
  const { t } = useTranslation();
  const color = status === 'won' ? 'teal' : status === 'lost' ? 'red' : 'gray';
  return (
    <Badge variant="light" color={color} tt="none">
      {t(`deals.statuses.${status}`)}
    </Badge>
  );
}

/** The keyboard (and screen reader) way to move a deal: "Move {name}", one option per stage. */
export function MoveSelect(props: {
  deal: TDeal;
  stages: TStage[];
  onMove: (stageId: string) => void;
  disabled?: boolean;
  /** In a table the column header ("Stage") is the visible label. */
  hideLabel?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <NativeSelect
      size="xs"
      label={
        <>
          <span style={props.hideLabel ? visuallyHidden : undefined}>{t('deals.move')}</span>
          <span style={visuallyHidden}> {props.deal.name}</span>
        </>
      }
      labelProps={props.hideLabel ? { style: { display: 'inline' } } : undefined}
      value={props.deal.stageId}
      disabled={props.disabled}
      onChange={(e) => {
        const stageId = e.currentTarget.value;
        if (stageId !== props.deal.stageId) props.onMove(stageId);
      }}
      data={props.stages.map((s) => ({ value: s.id, label: s.name }))}
    />
  );
}
