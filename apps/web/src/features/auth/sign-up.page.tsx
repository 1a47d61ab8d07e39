import { Button, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { AuthLayout, ErrorAlert } from '../../components/ui.tsx';
import { i18n } from '../../lib/i18n.ts';
import { signUp } from '../account/account.api.ts';
import { AccountFields, accountInput, readForm } from './account-fields.tsx';

const route = getRouteApi('/sign-up');

export function SignUpPage() {
  const { t } = useTranslation();
  const search = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: (form: HTMLFormElement) => signUp(accountInput(readForm(form), i18n.language)),
    onSuccess: async () => {
      queryClient.clear();
      await navigate({ href: search.redirect ?? '/' });
    },
  });
  return (
    <AuthLayout title={t('signUp.title')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(e.currentTarget);
        }}
      >
        <Stack gap="sm">
          <AccountFields error={create.error} />
          <ErrorAlert error={create.error} hideWhenFields />
          <Button type="submit" loading={create.isPending}>
            {t('signUp.submit')}
          </Button>
        </Stack>
      </form>
      <Text size="sm">
        {t('signUp.haveAccount')}{' '}
        <AnchorLink to="/sign-in" search={{ redirect: search.redirect }}>
          {t('signUp.signIn')}
        </AnchorLink>
      </Text>
    </AuthLayout>
  );
}
