import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { personName, primaryOf } from '../people/people.api.ts';
import { DuplicatePairsPage } from './duplicate-pairs.page.tsx';
import { dismissDuplicate, duplicatesQuery } from './duplicates.api.ts';

/** People that look like duplicates, pair by pair: merge them, or mark them "not duplicates". */
export function DuplicatesPage() {
  const { t } = useTranslation();
  return (
    <DuplicatePairsPage
      title={t('duplicates.title')}
      intro={t('duplicates.intro')}
      first={t('duplicates.first')}
      query={duplicatesQuery}
      dismiss={dismissDuplicate}
      mergeTo="/people/merge"
      pairOf={(item) => ({ records: item.people, reasons: item.reasons })}
      name={(p) => personName(p)}
      link={(p) => (
        <AnchorLink to="/people/$personId" params={{ personId: p.id }}>
          {personName(p)}
        </AnchorLink>
      )}
      details={(p) => [primaryOf(p.emails), primaryOf(p.phones), p.companies[0]?.name]}
      reason={(r) => t(`duplicates.reasons.${r}`)}
    />
  );
}
