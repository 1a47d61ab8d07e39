import { Alert, Anchor, Button, Stack } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { AuthLayout, ErrorAlert, PasswordField } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { authClient, unwrap } from '../../lib/auth-client.ts';
import { readForm } from './account-fields.tsx';

const route = getRouteApi('/reset-password');

export function ResetPasswordPage() {
  const { t } = useTranslation();
  const { token, error } = route.useSearch();
  const navigate = useNavigate();
  const reset = useMutation({
    mutationFn: (form: HTMLFormElement) =>
      unwrap(authClient.resetPassword({ newPassword: readForm(form).password ?? '', token: token ?? '' })),
    onSuccess: () => navigate({ to: '/sign-in', search: { notice: 'reset' } }),
  });
  if (!token || error) {
    return (
      <AuthLayout title={t('reset.title')}>
        <Alert color="red" role="alert">
          {t('reset.missingToken')}
        </Alert>
        <Anchor component={Link} to="/forgot-password">
          {t('reset.requestNew')}
        </Anchor>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title={t('reset.title')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          reset.mutate(e.currentTarget);
        }}
      >
        <Stack gap="sm">
          <PasswordField
            name="password"
            label={t('reset.newPassword')}
            description={t('fields.passwordHint')}
            autoComplete="new-password"
            required
            minLength={10}
            error={fieldError(reset.error, 'newPassword') ?? fieldError(reset.error, 'password')}
          />
          <ErrorAlert error={reset.error} hideWhenFields />
          <Button type="submit" loading={reset.isPending}>
            {t('reset.submit')}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
