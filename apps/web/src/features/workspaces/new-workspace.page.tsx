import { Button, Stack } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Page, Section } from '../../components/ui.tsx';
import { readForm } from '../auth/account-fields.tsx';
import { WorkspaceFields } from './workspace-fields.tsx';
import { createWorkspace, switchWorkspace } from './workspaces.api.ts';

export function NewWorkspacePage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: async (form: HTMLFormElement) => {
      const v = readForm(form);
      const ws = await createWorkspace({ name: v.name ?? '', country: v.country ?? '', region: v.region ?? '' });
      // A new workspace becomes the one you work in.
      if (ws && typeof ws === 'object' && 'workspaceId' in ws && ws.workspaceId) await switchWorkspace(ws.workspaceId);
      return ws;
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries();
      await navigate({ to: '/' });
    },
  });
  return (
    <Page title={t('workspaces.newTitle')} intro={t('workspaces.newIntro')}>
      <Section title={t('workspaces.newTitle')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate(e.currentTarget);
          }}
        >
          <Stack gap="sm" maw={480}>
            <WorkspaceFields error={create.error} />
            <ErrorAlert error={create.error} hideWhenFields />
            <Button type="submit" loading={create.isPending} w="fit-content">
              {t('workspaces.create')}
            </Button>
          </Stack>
        </form>
      </Section>
    </Page>
  );
}
