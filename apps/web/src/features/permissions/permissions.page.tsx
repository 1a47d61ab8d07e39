import { Button, Checkbox, Group, Table } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  MATRIX_ROLES,
  PERMISSION_ACTIONS,
  PERMISSION_OBJECTS,
  type TPermissionMatrix,
  type TPermissions,
} from '@tillit/contracts';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading, Page, Section, SuccessAlert } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';

const permissionsQuery = {
  queryKey: ['permissions'],
  queryFn: () => api<TPermissions>('/api/v1/permissions'),
};

/** Roles × objects × actions, one grid of checkboxes per role (admins only). */
export function PermissionsPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const query = useQuery(permissionsQuery);
  const [matrix, setMatrix] = useState<TPermissionMatrix | null>(null);
  useEffect(() => {
    if (query.data) setMatrix(query.data.matrix);
  }, [query.data]);
  const save = useMutation({
    mutationFn: (m: TPermissionMatrix) => api<TPermissions>('/api/v1/permissions', { method: 'PUT', body: m }),
    onSuccess: (data) => queryClient.setQueryData(permissionsQuery.queryKey, data),
  });

  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorAlert error={query.error} />;
  const current = matrix ?? query.data.matrix;
  const ceiling = query.data.ceiling;

  return (
    <Page title={t('integrations.permissionsTitle')} intro={t('integrations.permissionsIntro')} wide>
      {MATRIX_ROLES.map((role) => (
        <Section key={role} title={t(`integrations.role_${role}`)}>
          <Table striped withTableBorder aria-label={t(`integrations.role_${role}`)}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('integrations.object')}</Table.Th>
                {PERMISSION_ACTIONS.map((a) => (
                  <Table.Th key={a}>{t(`integrations.act_${a}`)}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {PERMISSION_OBJECTS.map((o) => (
                <Table.Tr key={o}>
                  <Table.Td>{t(`integrations.obj_${o}`)}</Table.Td>
                  {PERMISSION_ACTIONS.map((a) => (
                    <Table.Td key={a}>
                      <Checkbox
                        aria-label={`${t(`integrations.role_${role}`)} ${t(`integrations.obj_${o}`)} ${t(`integrations.act_${a}`)}`}
                        checked={current[role][o].includes(a)}
                        disabled={!ceiling[role][o].includes(a)}
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          setMatrix({
                            ...current,
                            [role]: {
                              ...current[role],
                              [o]: PERMISSION_ACTIONS.filter((x) => (x === a ? on : current[role][o].includes(x))),
                            },
                          });
                          save.reset();
                        }}
                      />
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Section>
      ))}
      <Group>
        <Button onClick={() => save.mutate(current)} loading={save.isPending}>
          {t('integrations.savePermissions')}
        </Button>
        <Button variant="default" onClick={() => setMatrix(query.data.defaults)}>
          {t('integrations.resetDefaults')}
        </Button>
      </Group>
      {save.isSuccess && <SuccessAlert>{t('integrations.permissionsSaved')}</SuccessAlert>}
      <ErrorAlert error={save.error} />
    </Page>
  );
}
