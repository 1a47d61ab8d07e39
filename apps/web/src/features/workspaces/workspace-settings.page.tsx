import { Button, Stack, Switch } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading, Page, Section, SuccessAlert } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { readForm } from '../auth/account-fields.tsx';
import { StorageUsage } from '../files/storage-usage.tsx';
import { WorkspaceFields } from './workspace-fields.tsx';
import { currentWorkspaceQuery, updateWorkspace } from './workspaces.api.ts';

export function WorkspaceSettingsPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const current = useQuery(currentWorkspaceQuery);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (form: HTMLFormElement) => {
      const v = readForm(form);
      return updateWorkspace({
        name: v.name ?? '',
        country: v.country ?? '',
        region: v.region ?? '',
        requireTwoFactor: v.requireTwoFactor === 'on',
      });
    },
    onMutate: () => setSaved(false),
    onSuccess: async () => {
      setSaved(true);
      await queryClient.invalidateQueries();
    },
  });
  return (
    <Page title={t('workspaces.settingsTitle')}>
      {current.isPending ? (
        <Loading />
      ) : current.isError ? (
        <ErrorAlert error={current.error} />
      ) : (
        <Section title={current.data.name}>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(e.currentTarget);
            }}
          >
            <Stack gap="sm" maw={480}>
              <WorkspaceFields
                key={current.data.workspaceId}
                error={save.error}
                defaults={{ name: current.data.name, country: current.data.country, region: current.data.region }}
              />
              <Switch
                name="requireTwoFactor"
                label={t('workspaces.requireTwoFactor')}
                description={t('workspaces.requireTwoFactorHint')}
                defaultChecked={current.data.requireTwoFactor}
                error={fieldError(save.error, 'requireTwoFactor')}
              />
              <ErrorAlert error={save.error} hideWhenFields />
              {saved && <SuccessAlert>{t('common.saved')}</SuccessAlert>}
              <Button type="submit" loading={save.isPending} w="fit-content">
                {t('common.save')}
              </Button>
            </Stack>
          </form>
        </Section>
      )}
      <StorageUsage />
    </Page>
  );
}
