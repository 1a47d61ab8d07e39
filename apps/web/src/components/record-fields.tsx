import {
  Box,
  Button,
  Fieldset,
  Group,
  Input,
  NativeSelect,
  Radio,
  Select,
  Stack,
  TagsInput,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldError } from '../lib/api.ts';
import { countryOptions } from '../lib/format.ts';
import { i18n } from '../lib/i18n.ts';
import { compactIndex, normaliseTags, type TAddressDraft } from '../lib/records.ts';

export {
  addressDraft,
  addressInput,
  compactIndex,
  EMPTY_ADDRESS,
  normaliseTags,
  type TAddressDraft,
} from '../lib/records.ts';

/** The first problem the server named for any of these field paths. */
export function firstFieldError(error: unknown, ...names: string[]): string | undefined {
  for (const name of names) {
    const problem = fieldError(error, name);
    if (problem) return problem;
  }
  return undefined;
}

/** A group of inputs under a visible legend, styled like a heading. */
export function FieldGroup(props: { legend: string; children: ReactNode }) {
  return (
    <Fieldset
      legend={props.legend}
      variant="unstyled"
      style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}
      styles={{ legend: { fontWeight: 600, fontSize: 'var(--mantine-font-size-sm)', marginBottom: 8 } }}
    >
      <Stack gap="sm">{props.children}</Stack>
    </Fieldset>
  );
}

export type TContactRow = { type: string; value: string; primary: boolean };

/** Several typed emails or phones, exactly one of them primary. The first input is labelled
 *  plainly ("Email"), the next ones by number ("Email 2"). */
export function ContactRowsField(props: {
  name: 'emails' | 'phones';
  legend: string;
  label: string;
  inputType: 'email' | 'tel';
  types: readonly string[];
  typeLabel: (type: string) => string;
  addLabel: string;
  value: TContactRow[];
  onChange: (rows: TContactRow[]) => void;
  error: unknown;
}) {
  const { t } = useTranslation();
  const { name, value: rows, onChange } = props;
  const set = (i: number, patch: Partial<TContactRow>) =>
    onChange(rows.map((row, j) => (j === i ? { ...row, ...patch } : patch.primary ? { ...row, primary: false } : row)));
  // Empty rows are not sent, so the server counts only the filled ones: map its positions back.
  const sentIndex = compactIndex(rows.map((r) => r.value.trim() !== ''));
  const remove = (i: number) => {
    const next = rows.filter((_, j) => j !== i);
    if (next.length > 0 && !next.some((r) => r.primary) && next[0]) next[0] = { ...next[0], primary: true };
    onChange(next);
  };
  return (
    <FieldGroup legend={props.legend}>
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own
        <Group key={i} align="flex-end" gap="xs" wrap="nowrap">
          <TextInput
            style={{ flex: 1 }}
            name={`${name}.${i}.value`}
            type={props.inputType}
            label={i === 0 ? props.label : `${props.label} ${i + 1}`}
            value={row.value}
            onChange={(e) => set(i, { value: e.currentTarget.value })}
            error={
              sentIndex[i] === undefined
                ? undefined
                : firstFieldError(props.error, `${name}.${sentIndex[i]}.value`, `${name}.${sentIndex[i]}`)
            }
          />
          <NativeSelect
            w={120}
            name={`${name}.${i}.type`}
            label={t('records.type')}
            value={row.type}
            onChange={(e) => set(i, { type: e.currentTarget.value })}
            data={props.types.map((type) => ({ value: type, label: props.typeLabel(type) }))}
            error={sentIndex[i] === undefined ? undefined : fieldError(props.error, `${name}.${sentIndex[i]}.type`)}
          />
          <Radio
            mb={8}
            name={`${name}-primary`}
            label={t('records.primary')}
            checked={row.primary}
            onChange={() => set(i, { primary: true })}
          />
          <Button
            variant="subtle"
            color="gray"
            size="xs"
            mb={4}
            aria-label={t('records.removeRow', { n: i + 1 })}
            onClick={() => remove(i)}
          >
            {t('common.remove')}
          </Button>
        </Group>
      ))}
      <Button
        variant="default"
        size="xs"
        w="fit-content"
        onClick={() => onChange([...rows, { type: props.types[0] ?? 'other', value: '', primary: rows.length === 0 }])}
      >
        {props.addLabel}
      </Button>
      {firstFieldError(props.error, name) && <TextInputError>{firstFieldError(props.error, name)}</TextInputError>}
    </FieldGroup>
  );
}

function TextInputError({ children }: { children: ReactNode }) {
  return (
    <div role="alert" style={{ color: 'var(--mantine-color-error)', fontSize: 'var(--mantine-font-size-xs)' }}>
      {children}
    </div>
  );
}

export function formatAddress(a: Partial<Record<keyof TAddressDraft, string | null>> | null | undefined): string[] {
  if (!a) return [];
  let country = a.country ?? '';
  if (country) {
    try {
      country = new Intl.DisplayNames([i18n.language], { type: 'region' }).of(country) ?? country;
    } catch {}
  }
  return [a.street, [a.postalCode, a.city].filter(Boolean).join(' '), a.state, country].filter((line): line is string =>
    Boolean(line),
  );
}

export function AddressFields(props: { value: TAddressDraft; onChange: (a: TAddressDraft) => void; error: unknown }) {
  const { t } = useTranslation();
  const { value, onChange, error } = props;
  const input = (key: keyof TAddressDraft, label: string, autoComplete: string) => (
    <TextInput
      name={`address.${key}`}
      label={label}
      autoComplete={autoComplete}
      value={value[key]}
      onChange={(e) => onChange({ ...value, [key]: e.currentTarget.value })}
      error={fieldError(error, `address.${key}`)}
    />
  );
  return (
    <FieldGroup legend={t('account.address')}>
      {input('street', t('account.street'), 'off')}
      <Group grow align="flex-start">
        {input('postalCode', t('account.postalCode'), 'off')}
        {input('city', t('account.city'), 'off')}
      </Group>
      <Group grow align="flex-start">
        {input('state', t('account.state'), 'off')}
        <NativeSelect
          name="address.country"
          label={t('common.country')}
          value={value.country}
          onChange={(e) => onChange({ ...value, country: e.currentTarget.value })}
          data={[{ value: '', label: t('common.none') }, ...countryOptions(i18n.language)]}
          error={fieldError(error, 'address.country')}
        />
      </Group>
    </FieldGroup>
  );
}

export type TOption = { value: string; label: string };

/** A searchable select whose options come from the server as the reader types. */
export function RemoteSelect(props: {
  label: string;
  queryKey: string;
  search: (q: string) => Promise<TOption[]>;
  value: string | null;
  valueLabel?: string;
  onChange: (value: string | null, label: string) => void;
  placeholder?: string;
  error?: string;
  name?: string;
  size?: 'xs' | 'sm';
  w?: number | string;
  clearable?: boolean;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [search, setSearch] = useState(props.valueLabel ?? '');
  const [opened, setOpened] = useState(false);
  const [debounced] = useDebouncedValue(search, 200);
  // After a choice the search box shows the chosen label: list everything again then.
  const q = debounced === props.valueLabel ? '' : debounced;
  const options = useQuery({
    queryKey: [props.queryKey, 'pick', q],
    queryFn: () => props.search(q),
    enabled: opened,
    staleTime: 10_000,
  });
  const data = [...(options.data ?? [])];
  if (props.value && !data.some((o) => o.value === props.value)) {
    data.unshift({ value: props.value, label: props.valueLabel ?? props.value });
  }
  return (
    <Box w={props.w}>
      <OwnLabel id={id} label={props.label} size={props.size} />
      <Select
        id={id}
        name={props.name}
        size={props.size}
        placeholder={props.placeholder}
        searchable
        clearable={props.clearable ?? true}
        searchValue={search}
        onSearchChange={setSearch}
        filter={({ options: all }) => all}
        onDropdownOpen={() => setOpened(true)}
        nothingFoundMessage={options.isFetching ? t('app.loading') : t('records.nothingFound')}
        data={data}
        value={props.value}
        onChange={(value, option) => props.onChange(value, option?.label ?? '')}
        error={props.error}
        clearButtonProps={{ 'aria-label': t('records.clear') }}
      />
    </Box>
  );
}

/** Mantine names a combobox's (always mounted) option list after the input's label, so a
 *  search by label would find two elements: the label is given here instead. */
function OwnLabel(props: { id: string; label: string; size?: 'xs' | 'sm'; required?: boolean }) {
  return (
    <Input.Label htmlFor={props.id} size={props.size} required={props.required}>
      {props.label}
    </Input.Label>
  );
}

/** Tags as chips; Enter or a comma adds the typed tag. */
export function TagsField(props: {
  label: string;
  description?: string;
  value: string[];
  onChange: (tags: string[]) => void;
  error?: string;
}) {
  const id = useId();
  return (
    <Box>
      <OwnLabel id={id} label={props.label} />
      {props.description && <Input.Description mb={4}>{props.description}</Input.Description>}
      <TagsInput
        id={id}
        name="tags"
        value={props.value}
        onChange={(tags) => props.onChange(normaliseTags(tags))}
        splitChars={[',']}
        clearable={false}
        error={props.error}
      />
    </Box>
  );
}
