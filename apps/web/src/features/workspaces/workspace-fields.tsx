import { NativeSelect, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldError } from '../../lib/api.ts';
import { countryOptions, REGIONS, regionForCountry } from '../../lib/format.ts';

/** Name, country and data region of a workspace; the region follows the country until changed by hand. */
export function WorkspaceFields(props: {
  error: unknown;
  defaults?: { name?: string; country?: string; region?: string };
}) {
  const { t, i18n } = useTranslation();
  const [country, setCountry] = useState(props.defaults?.country ?? '');
  const [region, setRegion] = useState(props.defaults?.region ?? 'eu');
  const [regionTouched, setRegionTouched] = useState(Boolean(props.defaults?.region));
  return (
    <>
      <TextInput
        name="name"
        label={t('fields.workspaceName')}
        required
        defaultValue={props.defaults?.name}
        error={fieldError(props.error, 'name')}
      />
      <NativeSelect
        name="country"
        label={t('common.country')}
        required
        value={country}
        onChange={(e) => {
          const next = e.currentTarget.value;
          setCountry(next);
          if (!regionTouched && next) setRegion(regionForCountry(next));
        }}
        data={[{ value: '', label: t('common.chooseCountry') }, ...countryOptions(i18n.language)]}
        error={fieldError(props.error, 'country')}
      />
      <NativeSelect
        name="region"
        label={t('fields.region')}
        description={t('fields.regionHint')}
        required
        value={region}
        onChange={(e) => {
          setRegion(e.currentTarget.value);
          setRegionTouched(true);
        }}
        data={REGIONS.map((r) => ({ value: r, label: t(`regions.${r}`) }))}
        error={fieldError(props.error, 'region')}
      />
    </>
  );
}
