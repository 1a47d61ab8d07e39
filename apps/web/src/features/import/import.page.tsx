import {
  Anchor,
  Badge,
  Button,
  Group,
  MultiSelect,
  NativeSelect,
  Progress,
  Radio,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { SUBJECT_CATEGORIES, type TImportMapping, type TSubjectCategory } from '@tillit/contracts';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog, ErrorAlert, Page, Section } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';
import type { en } from '../../lib/locales/en.ts';
import { customFieldsQuery } from '../custom-fields/custom-fields.api.ts';
import { useCanWrite } from '../people/people.api.ts';
import {
  DUPLICATE_MODES,
  IMPORT_ENCODINGS,
  IMPORT_FIELDS,
  IMPORT_PRESETS,
  importQuery,
  importsQuery,
  isRunning,
  mappingTargets,
  previewQuery,
  reportUrl,
  startImport,
  type TDuplicateMode,
  type TImport,
  type TImportEncoding,
  type TImportFile,
  type TImportPreset,
  undoImport,
  uploadImportFile,
  vcardProperties,
} from './import.api.ts';

type FieldKey = keyof (typeof en)['imports']['fields'];

/** How many columns the mapping table shows at once: a 10,000-column file stays usable. */
const MAPPING_ROWS = 300;

export function ImportPage() {
  const { t } = useTranslation();
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const fileInputId = useId();
  const [picked, setPicked] = useState<File | null>(null);
  const [progress, setProgress] = useState(0);
  const [file, setFile] = useState<TImportFile | null>(null);
  const [encoding, setEncoding] = useState<TImportEncoding | undefined>(undefined);
  const [preset, setPreset] = useState<TImportPreset | undefined>(undefined);
  const [mapping, setMapping] = useState<TImportMapping>([]);
  const [duplicates, setDuplicates] = useState<TDuplicateMode>('skip');
  const [visibility, setVisibility] = useState<'workspace' | 'private'>('workspace');
  const [tags, setTags] = useState('');
  const [categories, setCategories] = useState<TSubjectCategory[]>(['client']);
  const [importId, setImportId] = useState<string | null>(null);

  const upload = useMutation({
    mutationFn: (f: File) => uploadImportFile(f, setProgress),
    onMutate: () => {
      setProgress(0);
      setFile(null);
      setImportId(null);
      setEncoding(undefined);
      setPreset(undefined);
    },
    onSuccess: (f) => setFile(f),
  });
  const preview = useQuery({ ...previewQuery(file?.id ?? '', encoding, preset), enabled: Boolean(file) });
  const personFields = useQuery({ ...customFieldsQuery('person'), enabled: Boolean(file) });
  const companyFields = useQuery({ ...customFieldsQuery('company'), enabled: Boolean(file) });
  useEffect(() => {
    if (preview.data) setMapping(preview.data.suggestedMapping);
  }, [preview.data]);

  const start = useMutation({
    mutationFn: (dryRun: boolean) =>
      startImport({
        fileId: file?.id ?? '',
        ...(file?.format === 'csv'
          ? { mapping }
          : { properties: vcardProperties(preview.data?.headers ?? [], preview.data?.properties ?? [], mapping) }),
        duplicates,
        dryRun,
        ...(encoding ? { encoding } : {}),
        defaults: {
          visibility,
          tags: tags
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
          subjectCategories: categories,
        },
      }),
    onSuccess: async (created) => {
      setImportId(created.id);
      await queryClient.invalidateQueries({ queryKey: ['imports', 'list'] });
    },
  });

  if (!canWrite) {
    return (
      <Page title={t('imports.title')}>
        <Text>{t('imports.notAllowed')}</Text>
      </Page>
    );
  }

  const fieldLabel = (f: string) => t(`imports.fields.${f.replace('.', '_') as FieldKey}`);
  const columns = preview.data?.headers ?? [];
  const customLabel = (label: string) => t('imports.customField', { label });
  const companyLabel = (label: string) => t('imports.companyCustomField', { label });
  const targets = mappingTargets(
    IMPORT_FIELDS,
    personFields.data ?? [],
    fieldLabel,
    customLabel,
    companyFields.data ?? [],
    companyLabel,
  );
  // A vCard's properties to map (X-…, NOTE, BDAY, …) fill custom fields only.
  const propertyTargets = mappingTargets(
    [],
    personFields.data ?? [],
    fieldLabel,
    customLabel,
    companyFields.data ?? [],
    companyLabel,
  );
  const properties = preview.data?.properties ?? [];

  return (
    <Page title={t('imports.title')} intro={t('imports.intro')}>
      <Section title={t('imports.fileSection')}>
        <Stack gap="xs">
          <label htmlFor={fileInputId}>
            <Text size="sm" fw={500}>
              {t('imports.file')}
            </Text>
          </label>
          <input
            id={fileInputId}
            type="file"
            accept=".csv,.txt,.vcf,.vcard,text/csv,text/vcard"
            onChange={(e) => setPicked(e.currentTarget.files?.[0] ?? null)}
          />
          <Text size="xs" c="dimmed">
            {t('imports.fileHint')}
          </Text>
          <Group>
            <Button onClick={() => picked && upload.mutate(picked)} disabled={!picked} loading={upload.isPending}>
              {t('imports.upload')}
            </Button>
          </Group>
          {(upload.isPending || file) && (
            <Progress value={Math.round((file ? 1 : progress) * 100)} aria-label={t('imports.uploadProgress')} />
          )}
          <ErrorAlert error={upload.error} />
          {file && (
            <Text size="sm" role="status">
              {t('imports.uploaded', { name: file.name, size: Math.ceil(file.sizeBytes / 1024) })}
            </Text>
          )}
        </Stack>
      </Section>

      {file && (
        <Section title={t('imports.mappingSection')}>
          <Group align="flex-end">
            <NativeSelect
              label={t('imports.encoding')}
              value={encoding ?? preview.data?.encoding ?? file.encoding}
              onChange={(e) => setEncoding(e.currentTarget.value as TImportEncoding)}
              data={IMPORT_ENCODINGS.map((x) => ({ value: x, label: x }))}
            />
            {file.format === 'csv' && (
              <NativeSelect
                label={t('imports.preset')}
                value={preset ?? preview.data?.preset ?? ''}
                onChange={(e) => setPreset((e.currentTarget.value || undefined) as TImportPreset | undefined)}
                data={[
                  { value: '', label: t('imports.presets.none') },
                  ...IMPORT_PRESETS.map((p) => ({ value: p, label: t(`imports.presets.${p}`) })),
                ]}
              />
            )}
          </Group>
          {preview.data?.preset && !preset && (
            <Text size="sm">{t('imports.recognised', { preset: t(`imports.presets.${preview.data.preset}`) })}</Text>
          )}
          <ErrorAlert error={preview.error} />
          {preview.data && (
            <Table aria-label={t('imports.mappingTable')} striped withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('imports.column')}</Table.Th>
                  <Table.Th>{t('imports.samples')}</Table.Th>
                  <Table.Th>{t('imports.field')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {columns.slice(0, MAPPING_ROWS).map((header, i) => (
                  // Columns have no id but their position, which is what the mapping is keyed by.
                  // biome-ignore lint/suspicious/noArrayIndexKey: the position is the identity
                  <Table.Tr key={i}>
                    <Table.Td>
                      {file.format === 'csv' || properties.includes(header) ? header : fieldLabel(header)}
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed" lineClamp={2}>
                        {preview.data.rows
                          .map((r) => r[i] ?? '')
                          .filter(Boolean)
                          .slice(0, 3)
                          .join(' · ')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {file.format === 'csv' || properties.includes(header) ? (
                        <NativeSelect
                          aria-label={t('imports.fieldFor', { column: header || i + 1 })}
                          value={mapping[i] ?? ''}
                          onChange={(e) => {
                            const next = [...mapping];
                            next[i] = (e.currentTarget.value || null) as TImportMapping[number];
                            setMapping(next);
                          }}
                          data={[
                            { value: '', label: t('imports.leaveOut') },
                            ...(file.format === 'csv' ? targets : propertyTargets),
                          ]}
                        />
                      ) : (
                        <Badge variant="light">{fieldLabel(header)}</Badge>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {properties.length > 0 && (
            <Text size="xs" c="dimmed">
              {t('imports.vcardPropertiesHint')}
            </Text>
          )}
          {columns.length > MAPPING_ROWS && (
            <Text size="xs" c="dimmed">
              {t('imports.moreColumns', { count: columns.length - MAPPING_ROWS })}
            </Text>
          )}
          <Radio.Group
            label={t('imports.duplicates')}
            description={t('imports.duplicatesHint')}
            value={duplicates}
            onChange={(v) => setDuplicates(v as TDuplicateMode)}
          >
            <Group mt="xs">
              {DUPLICATE_MODES.map((m) => (
                <Radio key={m} value={m} label={t(`imports.modes.${m}`)} />
              ))}
            </Group>
          </Radio.Group>
          <Group align="flex-end">
            <NativeSelect
              label={t('imports.visibility')}
              value={visibility}
              onChange={(e) => setVisibility(e.currentTarget.value as 'workspace' | 'private')}
              data={[
                { value: 'workspace', label: t('visibility.workspace') },
                { value: 'private', label: t('visibility.private') },
              ]}
            />
            <TextInput
              label={t('imports.tags')}
              description={t('imports.tagsHint')}
              value={tags}
              onChange={(e) => setTags(e.currentTarget.value)}
            />
            <MultiSelect
              label={t('imports.categories')}
              value={categories}
              onChange={(v) => setCategories(v as TSubjectCategory[])}
              data={SUBJECT_CATEGORIES.map((c) => ({ value: c, label: t(`subjectCategories.${c}`) }))}
              error={fieldError(start.error, 'subjectCategories')}
            />
          </Group>
          <ErrorAlert error={start.error} />
          {start.error && fieldError(start.error, 'mapping') && (
            <Text c="red" size="sm">
              {fieldError(start.error, 'mapping')}
            </Text>
          )}
          <Group>
            <Button variant="default" onClick={() => start.mutate(true)} loading={start.isPending}>
              {t('imports.dryRun')}
            </Button>
            <Button onClick={() => start.mutate(false)} loading={start.isPending}>
              {t('imports.run')}
            </Button>
          </Group>
        </Section>
      )}

      {importId && <ImportStatus id={importId} />}
      <RecentImports onOpen={setImportId} />
    </Page>
  );
}

function ImportStatus({ id }: { id: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const current = useQuery(importQuery(id));
  const undo = useMutation({
    mutationFn: () => undoImport(id),
    onSuccess: async (data) => {
      setConfirming(false);
      queryClient.setQueryData(importQuery(id).queryKey, data);
      await queryClient.invalidateQueries({ queryKey: ['imports'] });
    },
  });
  const i = current.data;
  useEffect(() => {
    if (i && !isRunning(i)) {
      void queryClient.invalidateQueries({ queryKey: ['people'] });
      void queryClient.invalidateQueries({ queryKey: ['imports', 'list'] });
    }
  }, [i, queryClient]);
  if (!i) return <ErrorAlert error={current.error} />;
  return (
    <Section title={i.dryRun ? t('imports.dryRunResult') : t('imports.result')}>
      <Group justify="space-between">
        <Text size="sm" role="status" aria-live="polite">
          {t(`imports.status.${i.status}`)}
        </Text>
        <Text size="sm">{i.file.name}</Text>
      </Group>
      <Progress value={Math.round(i.progress * 100)} aria-label={t('imports.progress')} animated={isRunning(i)} />
      {!i.dryRun && i.status !== 'undoing' && i.status !== 'undone' && i.created + i.updated > 0 && !isRunning(i) && (
        <Text size="sm" c="dimmed" data-testid="import-search-index">
          {t(`imports.searchIndex.${i.searchIndex}`)}
        </Text>
      )}
      <Group gap="lg" data-testid="import-counts">
        <Text size="sm">{t('imports.counts.read', { n: i.rowsRead })}</Text>
        <Text size="sm">{t(i.dryRun ? 'imports.counts.wouldCreate' : 'imports.counts.created', { n: i.created })}</Text>
        <Text size="sm">{t(i.dryRun ? 'imports.counts.wouldUpdate' : 'imports.counts.updated', { n: i.updated })}</Text>
        <Text size="sm">{t('imports.counts.skipped', { n: i.skipped })}</Text>
        <Text size="sm">{t('imports.counts.failed', { n: i.failed })}</Text>
        <Text size="sm">{t('imports.counts.companies', { n: i.companiesCreated })}</Text>
      </Group>
      {i.error && (
        <Text c="red" size="sm" role="alert">
          {i.error}
        </Text>
      )}
      {i.problems.length > 0 && (
        <Table aria-label={t('imports.problems')} withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('imports.row')}</Table.Th>
              <Table.Th>{t('imports.field')}</Table.Th>
              <Table.Th>{t('imports.problem')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {i.problems.map((p) => (
              <Table.Tr key={`${p.row}-${p.field}-${p.problem}`}>
                <Table.Td>{p.row}</Table.Td>
                <Table.Td>{p.field}</Table.Td>
                <Table.Td>{p.problem}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group>
        {(i.failed > 0 || i.problems.length > 0) && (
          <Anchor href={reportUrl(i.id)} download size="sm">
            {t('imports.downloadReport')}
          </Anchor>
        )}
        {i.canUndo && (
          <Button color="red" variant="light" onClick={() => setConfirming(true)}>
            {t('imports.undo')}
          </Button>
        )}
      </Group>
      <ErrorAlert error={undo.error} />
      <ConfirmDialog
        opened={confirming}
        title={t('imports.undoTitle')}
        confirmLabel={t('imports.undo')}
        onConfirm={() => undo.mutate()}
        onClose={() => setConfirming(false)}
        loading={undo.isPending}
        text={t('imports.undoText', { created: i.created, updated: i.updated })}
      />
    </Section>
  );
}

function RecentImports({ onOpen }: { onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const list = useQuery(importsQuery());
  const items: TImport[] = list.data?.items ?? [];
  if (!items.length) return null;
  return (
    <Section title={t('imports.recent')}>
      <Table aria-label={t('imports.recent')} withTableBorder>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('imports.file')}</Table.Th>
            <Table.Th>{t('imports.when')}</Table.Th>
            <Table.Th>{t('imports.statusLabel')}</Table.Th>
            <Table.Th>{t('imports.summary')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((i) => (
            <Table.Tr key={i.id}>
              <Table.Td>
                <Anchor component="button" type="button" size="sm" onClick={() => onOpen(i.id)}>
                  {i.file.name}
                </Anchor>
              </Table.Td>
              <Table.Td>{formatDateTime(i.createdAt)}</Table.Td>
              <Table.Td>
                {t(`imports.status.${i.status}`)}
                {i.dryRun ? ` (${t('imports.dryRun')})` : ''}
              </Table.Td>
              <Table.Td>
                {t('imports.summaryText', {
                  created: i.created,
                  updated: i.updated,
                  skipped: i.skipped,
                  failed: i.failed,
                })}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Section>
  );
}
