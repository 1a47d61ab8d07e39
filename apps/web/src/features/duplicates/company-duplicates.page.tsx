import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { companyDuplicatesQuery, dismissCompanyDuplicate } from './company-duplicates.api.ts';
import { DuplicatePairsPage } from './duplicate-pairs.page.tsx';

/** Companies that look like duplicates, pair by pair: merge them, or mark them "not duplicates". */
export function CompanyDuplicatesPage() {
  const { t } = useTranslation();
  return (
    <DuplicatePairsPage
      title={t('companyDuplicates.title')}
      intro={t('companyDuplicates.intro')}
      first={t('companyDuplicates.first')}
      query={companyDuplicatesQuery}
      dismiss={dismissCompanyDuplicate}
      mergeTo="/companies/merge"
      pairOf={(item) => ({ records: item.companies, reasons: item.reasons })}
      name={(c) => c.name}
      link={(c) => (
        <AnchorLink to="/companies/$companyId" params={{ companyId: c.id }}>
          {c.name}
        </AnchorLink>
      )}
      details={(c) => [c.domain, c.orgNumber, c.address.city]}
      reason={(r) => t(`companyDuplicates.reasons.${r}`)}
    />
  );
}
