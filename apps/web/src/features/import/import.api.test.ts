import { IMPORT_FIELDS, ZImportMapping, ZVcardProperties } from '@tillit/contracts';
import { describe, expect, it } from 'vitest';
import { mappingTargets, vcardProperties } from './import.api.ts';

describe('import mapping step targets', () => {
  it('[P-CRM-10] lists the custom fields of people as cf.<key> after the built-in fields, and the contract accepts them', () => {
    const targets = mappingTargets(
      IMPORT_FIELDS,
      [
        { key: 'level', label: 'Level' },
        { key: 'tier', label: 'Tier' },
      ],
      (f) => f,
      (label) => `Custom field: ${label}`,
    );
    expect(targets.slice(0, IMPORT_FIELDS.length).map((x) => x.value)).toEqual([...IMPORT_FIELDS]);
    expect(targets.slice(IMPORT_FIELDS.length)).toEqual([
      { value: 'cf.level', label: 'Custom field: Level' },
      { value: 'cf.tier', label: 'Custom field: Tier' },
    ]);
    expect(ZImportMapping.safeParse(['firstName', 'cf.level', null]).success).toBe(true);
    expect(ZImportMapping.safeParse(['firstName', 'cf.level', 'cf.level']).success).toBe(false);
    expect(ZImportMapping.safeParse(['firstName', 'cf.Bad-Key']).success).toBe(false);
  });

  it('[P-CRM-10] offers the custom fields of companies as company.cf.<key>, and only custom fields for vCard properties', () => {
    const targets = mappingTargets(
      IMPORT_FIELDS,
      [{ key: 'level', label: 'Level' }],
      (f) => f,
      (label) => `Custom field: ${label}`,
      [{ key: 'size', label: 'Size' }],
      (label) => `Company field: ${label}`,
    );
    expect(targets.at(-1)).toEqual({ value: 'company.cf.size', label: 'Company field: Size' });
    expect(ZImportMapping.safeParse(['firstName', 'company', 'company.cf.size']).success).toBe(true);
    const forProperties = mappingTargets(
      [],
      [{ key: 'level', label: 'Level' }],
      (f) => f,
      (l) => l,
      [{ key: 'size', label: 'Size' }],
    );
    expect(forProperties.map((x) => x.value)).toEqual(['cf.level', 'company.cf.size']);
    // The vCard's mapped properties, as sent: fields that map themselves and left-out ones are not.
    const properties = vcardProperties(
      ['fullName', 'email', 'X-LINKEDIN', 'NOTE', 'X-TILLIT-COMPANY-SIZE'],
      ['X-LINKEDIN', 'NOTE', 'X-TILLIT-COMPANY-SIZE'],
      ['fullName', 'email', 'cf.linkedin', null, 'company.cf.size'],
    );
    expect(properties).toEqual({ 'X-LINKEDIN': 'cf.linkedin', 'X-TILLIT-COMPANY-SIZE': 'company.cf.size' });
    expect(ZVcardProperties.safeParse(properties).success).toBe(true);
    expect(ZVcardProperties.safeParse({ EMAIL: 'cf.level' }).success).toBe(false);
    expect(ZVcardProperties.safeParse({ 'X-A': 'cf.level', 'X-B': 'cf.level' }).success).toBe(false);
  });
});
