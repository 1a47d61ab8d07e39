import { Alert, Button, Checkbox, Divider, Stack, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { AuthLayout, ErrorAlert } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { i18n } from '../../lib/i18n.ts';
import { setupQuery, type TMe } from '../account/account.api.ts';
import { AccountFields, accountInput, readForm } from '../auth/account-fields.tsx';
import { WorkspaceFields } from '../workspaces/workspace-fields.tsx';

export function FirstRunPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const setup = useQuery(setupQuery).data;
  const create = useMutation({
    mutationFn: (form: HTMLFormElement) => {
      const v = readForm(form);
      return api<TMe>('/api/setup/first-run', {
        method: 'POST',
        body: {
          account: accountInput(v, i18n.language),
          workspace: { name: v.name ?? '', country: v.country ?? '', region: v.region ?? '' },
          demo: v.demo === 'on',
        },
      });
    },
    onSuccess: async () => {
      queryClient.clear();
      await navigate({ to: '/' });
    },
  });

  return (
    <AuthLayout title={t('setup.title')} intro={t('setup.intro')} width={560}>
      <form
        noValidate={false}
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(e.currentTarget);
        }}
      >
        <Stack gap="sm">
          <Title order={2} size="h5">
            {t('setup.accountSection')}
          </Title>
          <AccountFields error={create.error} />
          <Divider my="xs" />
          <Title order={2} size="h5">
            {t('setup.workspaceSection')}
          </Title>
          <WorkspaceFields error={create.error} />
          <Checkbox name="demo" label={t('setup.demo')} description={t('setup.demoHint')} />
          {setup?.mail === 'outbox' && (
            <Alert color="blue" variant="light">
              {t('setup.outboxNote')}
            </Alert>
          )}
          <ErrorAlert error={create.error} hideWhenFields />
          <Button type="submit" loading={create.isPending}>
            {t('setup.submit')}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
