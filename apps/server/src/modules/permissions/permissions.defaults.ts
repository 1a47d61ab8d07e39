import {
  MATRIX_ROLES,
  PERMISSION_ACTIONS,
  PERMISSION_OBJECTS,
  type TMatrixRole,
  type TPermissionAction,
  type TPermissionMatrix,
  type TPermissionObject,
} from '@tillit/contracts';

const ALL: TPermissionAction[] = [...PERMISSION_ACTIONS];
const RECORDS: readonly TPermissionObject[] = PERMISSION_OBJECTS.filter((o) => o !== 'pipelines');

function build(fn: (role: TMatrixRole, object: TPermissionObject) => TPermissionAction[]): TPermissionMatrix {
  const out = {} as TPermissionMatrix;
  for (const role of MATRIX_ROLES) {
    out[role] = {} as Record<TPermissionObject, TPermissionAction[]>;
    for (const object of PERMISSION_OBJECTS) out[role][object] = fn(role, object);
  }
  return out;
}

/**
 * The defaults reproduce the role minimums the routes had before the matrix: admins do
 * everything; members read and write records (people, companies, deals, tasks, …) and read
 * pipelines; viewers read.
 */
export const DEFAULT_MATRIX: TPermissionMatrix = build((role, object) => {
  if (role === 'admin') return [...ALL];
  if (role === 'member') return RECORDS.includes(object) ? [...ALL] : ['read'];
  return ['read'];
});

/**
 * The most a role can be given. The role stays a ceiling and the matrix narrows (or
 * re-widens) within it: a viewer may be allowed to export but never to write, and only
 * admins may change pipelines. The services keep their own role checks (a second wall), so
 * a grant above the ceiling could not take effect anyway; refusing it keeps the page honest.
 */
export const CEILING_MATRIX: TPermissionMatrix = build((role, object) => {
  if (role === 'admin') return [...ALL];
  if (role === 'member') return RECORDS.includes(object) ? [...ALL] : ['read', 'export'];
  return ['read', 'export'];
});

export function isDefault(role: TMatrixRole, object: TPermissionObject, action: TPermissionAction): boolean {
  return DEFAULT_MATRIX[role][object].includes(action);
}
