import { IMPORT_FIELDS, ZImportMapping } from '@tillit/contracts';
import { describe, expect, it } from 'vitest';
import { mappingTargets } from './import.api.ts';

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
});
