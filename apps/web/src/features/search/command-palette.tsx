import { Badge, Box, Button, Group, Kbd, Loader, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure, useHotkeys, useOs } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type KeyboardEvent, useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../lib/i18n.ts';
import { searchQuery, type TSearchResult } from './search.api.ts';

type Item =
  | { type: 'record'; key: string; result: TSearchResult }
  | { type: 'goto'; key: string; label: string; to: string };

const GOTO = [
  { to: '/', key: 'home' },
  { to: '/people', key: 'people' },
  { to: '/companies', key: 'companies' },
  { to: '/deals', key: 'deals' },
  { to: '/trash', key: 'trash' },
  { to: '/settings/account', key: 'account' },
] as const;

/**
 * The command palette: Ctrl+K (⌘K on a Mac) from anywhere in the app, or the header button.
 * Searches people and companies as one types (debounced), offers "go to" actions, and is
 * used with the keyboard: arrows move, Enter opens, Escape closes. A combobox with a listbox,
 * so screen readers announce the active option.
 */
export function CommandPalette() {
  const { t } = useTranslation();
  const os = useOs();
  const [opened, { open, close }] = useDisclosure(false);
  // Ctrl+K in a text field too: the palette is reachable from anywhere.
  useHotkeys([['mod+K', () => open()]], []);
  const mac = os === 'macos' || os === 'ios';
  return (
    <>
      <Button variant="default" size="xs" onClick={open} aria-keyshortcuts={mac ? 'Meta+K' : 'Control+K'}>
        <Group gap={6} wrap="nowrap">
          <span>{t('search.open')}</span>
          <Kbd size="xs" visibleFrom="sm">
            {mac ? '⌘K' : 'Ctrl+K'}
          </Kbd>
        </Group>
      </Button>
      <Modal opened={opened} onClose={close} title={t('search.title')} size="lg" yOffset="10vh">
        {opened && <Palette onDone={close} />}
      </Modal>
    </>
  );
}

function Palette({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const listId = useId();
  const [text, setText] = useState('');
  const [debounced] = useDebouncedValue(text.trim(), 200);
  const [active, setActive] = useState(0);
  const results = useQuery(searchQuery(debounced));

  const items: Item[] = useMemo(() => {
    const q = text.trim().toLowerCase();
    const gotos: Item[] = GOTO.map((g) => ({
      type: 'goto' as const,
      key: `goto:${g.key}`,
      label: t(`search.goto.${g.key}`),
      to: g.to,
    })).filter((g) => !q || g.label.toLowerCase().includes(q));
    const records: Item[] = debounced
      ? (results.data?.items ?? []).map((r) => ({ type: 'record' as const, key: `${r.kind}:${r.id}`, result: r }))
      : [];
    return [...records, ...gotos];
  }, [text, debounced, results.data, t]);

  useEffect(() => {
    setActive((i) => Math.min(i, Math.max(0, items.length - 1)));
  }, [items.length]);

  const choose = async (item: Item | undefined) => {
    if (!item) return;
    onDone();
    if (item.type === 'goto') await navigate({ to: item.to });
    else if (item.result.kind === 'person')
      await navigate({ to: '/people/$personId', params: { personId: item.result.id } });
    else await navigate({ to: '/companies/$companyId', params: { companyId: item.result.id } });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((i) => (items.length ? (i + 1) % items.length : 0));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((i) => (items.length ? (i - 1 + items.length) % items.length : 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      void choose(items[active]);
    }
  };

  const optionId = (i: number) => `${listId}-option-${i}`;
  const waiting = Boolean(debounced) && (results.isFetching || text.trim() !== debounced);
  const nothing = Boolean(debounced) && !waiting && results.isSuccess && (results.data?.items.length ?? 0) === 0;

  return (
    <Stack gap="sm">
      <TextInput
        data-autofocus
        label={t('search.label')}
        placeholder={t('search.placeholder')}
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        role="combobox"
        aria-expanded={items.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={items[active] ? optionId(active) : undefined}
        rightSection={waiting ? <Loader size="xs" /> : null}
        maxLength={100}
      />
      {results.error && (
        <Text size="sm" c="red" role="alert">
          {describeError(results.error)}
        </Text>
      )}
      <Text size="sm" c="dimmed" role="status" aria-live="polite">
        {nothing ? t('search.nothing', { q: debounced }) : ''}
      </Text>
      <Box id={listId} role="listbox" aria-label={t('search.results')}>
        {items.map((item, i) => (
          <Box
            key={item.key}
            id={optionId(i)}
            role="option"
            tabIndex={-1}
            aria-selected={i === active}
            onMouseEnter={() => setActive(i)}
            onClick={() => void choose(item)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void choose(item);
            }}
            px="sm"
            py={6}
            style={{
              cursor: 'pointer',
              borderRadius: 'var(--mantine-radius-sm)',
              background: i === active ? 'var(--mantine-color-teal-light)' : undefined,
            }}
          >
            {item.type === 'record' ? <RecordLine result={item.result} /> : <Text size="sm">{item.label}</Text>}
          </Box>
        ))}
      </Box>
      <Text size="xs" c="dimmed">
        {t('search.help')}
      </Text>
    </Stack>
  );
}

function RecordLine({ result }: { result: TSearchResult }) {
  const { t } = useTranslation();
  return (
    <Group justify="space-between" wrap="nowrap" gap="sm">
      <Box miw={0}>
        <Text size="sm" fw={500} truncate>
          {result.title}
        </Text>
        {result.subtitle && (
          <Text size="xs" c="dimmed" truncate>
            {result.subtitle}
          </Text>
        )}
      </Box>
      <Group gap={4} wrap="nowrap">
        {result.matchedField !== 'name' && (
          <Text size="xs" c="dimmed">
            {t(`search.fields.${result.matchedField}`)}
          </Text>
        )}
        <Badge size="sm" variant="light" color={result.kind === 'person' ? 'teal' : 'indigo'}>
          {t(`search.kinds.${result.kind}`)}
        </Badge>
      </Group>
    </Group>
  );
}
