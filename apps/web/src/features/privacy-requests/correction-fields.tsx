import { SimpleGrid, TextInput } from '@mantine/core';
import type { TRectificationCorrection, TRectificationCorrectionView } from '@tillit/contracts';
import { useTranslation } from 'react-i18next';
import { Fact, Facts } from '../../components/facts.tsx';
import { fieldError } from '../../lib/api.ts';

/** The fields of a correction the forms offer: one email and one phone (the API takes lists). */
const NAMES = ['firstName', 'lastName', 'title', 'email', 'phone', 'street', 'postalCode', 'city', 'country'] as const;
type Name = (typeof NAMES)[number];

/** Where the server names a problem with each field (`correction.emails.0.value`, ...). */
const ERROR_KEY: Record<Name, string> = {
  firstName: 'correction.firstName',
  lastName: 'correction.lastName',
  title: 'correction.title',
  email: 'correction.emails.0.value',
  phone: 'correction.phones.0.value',
  street: 'correction.address.street',
  postalCode: 'correction.address.postalCode',
  city: 'correction.address.city',
  country: 'correction.address.country',
};

function initial(c: TRectificationCorrectionView | null | undefined): Record<Name, string> {
  return {
    firstName: c?.firstName ?? '',
    lastName: c?.lastName ?? '',
    title: c?.title ?? '',
    email: c?.emails?.[0]?.value ?? '',
    phone: c?.phones?.[0]?.value ?? '',
    street: c?.address?.street ?? '',
    postalCode: c?.address?.postalCode ?? '',
    city: c?.address?.city ?? '',
    country: c?.address?.country ?? '',
  };
}

/** The corrected values as inputs of the enclosing form (read back with `correctionFromForm`). */
export function CorrectionFields(props: { value?: TRectificationCorrectionView | null; error: unknown }) {
  const { t } = useTranslation();
  const start = initial(props.value);
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
      {NAMES.map((n) => (
        <TextInput
          key={n}
          name={`correction.${n}`}
          label={t(`privacyRequests.correction.${n}`)}
          defaultValue={start[n]}
          type={n === 'email' ? 'email' : 'text'}
          error={fieldError(props.error, ERROR_KEY[n])}
        />
      ))}
    </SimpleGrid>
  );
}

/** The fields filled in, as the API's correction; null when none is. */
export function correctionFromForm(f: FormData): TRectificationCorrection | null {
  const v = (n: Name) => String(f.get(`correction.${n}`) ?? '').trim();
  const c: TRectificationCorrection = {};
  if (v('firstName')) c.firstName = v('firstName');
  if (v('lastName')) c.lastName = v('lastName');
  if (v('title')) c.title = v('title');
  if (v('email')) c.emails = [{ value: v('email') }];
  if (v('phone')) c.phones = [{ value: v('phone') }];
  const address = Object.fromEntries(
    (['street', 'postalCode', 'city', 'country'] as const).filter((n) => v(n)).map((n) => [n, v(n)]),
  );
  if (Object.keys(address).length) c.address = address;
  return Object.keys(c).length ? c : null;
}

/** The proposed correction, field by field. */
export function CorrectionView({ c }: { c: TRectificationCorrectionView | null }) {
  const { t } = useTranslation();
  const values = initial(c);
  const shown = NAMES.filter((n) => values[n]);
  if (!c || shown.length === 0) return <>{t('privacyRequests.correction.none')}</>;
  return (
    <Facts>
      {shown.map((n) => (
        <Fact key={n} label={t(`privacyRequests.correction.${n}`)}>
          {values[n]}
        </Fact>
      ))}
    </Facts>
  );
}
