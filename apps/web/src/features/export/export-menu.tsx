import { Button, Menu } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export type TExportEntity = 'people' | 'companies' | 'deals';

/** The export address of a view: the list's filters and sort (no cursor, no limit), and the format. */
export function exportHref(
  entity: TExportEntity,
  filters: Record<string, string | string[] | undefined>,
  format: 'csv' | 'vcard' | 'json',
  bom = false,
): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (key === 'after' || key === 'limit') continue;
    // Table-view filters repeat: filter=a:eq:1&filter=b:gt:2.
    if (Array.isArray(value)) for (const v of value) q.append(key, v);
    else if (value) q.set(key, value);
  }
  q.set('format', format);
  if (bom) q.set('bom', 'true');
  return `/api/v1/${entity}/export?${q.toString()}`;
}

/**
 * "Export" menu of a list page: downloads the current filtered view, whole (the server
 * streams it), as plain links so that the browser's own download handles any size. Shown to
 * members and above; the server refuses viewers anyway.
 */
export function ExportMenu(props: { entity: TExportEntity; filters: Record<string, string | string[] | undefined> }) {
  const { t } = useTranslation();
  const formats: { key: string; href: string; label: string }[] = [
    { key: 'csv', href: exportHref(props.entity, props.filters, 'csv'), label: t('exports.csv') },
    { key: 'excel', href: exportHref(props.entity, props.filters, 'csv', true), label: t('exports.excel') },
    ...(props.entity === 'people'
      ? [{ key: 'vcard', href: exportHref(props.entity, props.filters, 'vcard'), label: t('exports.vcard') }]
      : []),
    { key: 'json', href: exportHref(props.entity, props.filters, 'json'), label: t('exports.json') },
  ];
  return (
    <Menu position="bottom-end" shadow="md">
      <Menu.Target>
        <Button variant="default" size="xs">
          {t('exports.menu')}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('exports.hint')}</Menu.Label>
        {formats.map((f) => (
          <Menu.Item key={f.key} component="a" href={f.href} download>
            {f.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
