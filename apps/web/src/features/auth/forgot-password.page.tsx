import { Anchor, Button, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { AuthLayout, ErrorAlert, SuccessAlert } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { authClient, unwrap } from '../../lib/auth-client.ts';
import { readForm } from './account-fields.tsx';

export function ForgotPasswordPage() {
  const { t } = useTranslation();
  const request = useMutation({
    mutationFn: (form: HTMLFormElement) =>
      unwrap(authClient.requestPasswordReset({ email: readForm(form).email ?? '', redirectTo: '/reset-password' })),
  });
  return (
    <AuthLayout title={t('forgot.title')} intro={t('forgot.intro')}>
      {request.isSuccess ? (
        <SuccessAlert>{t('forgot.sent')}</SuccessAlert>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            request.mutate(e.currentTarget);
          }}
        >
          <Stack gap="sm">
            <TextInput
              name="email"
              type="email"
              label={t('common.email')}
              autoComplete="email"
              required
              error={fieldError(request.error, 'email')}
            />
            <ErrorAlert error={request.error} hideWhenFields />
            <Button type="submit" loading={request.isPending}>
              {t('forgot.submit')}
            </Button>
          </Stack>
        </form>
      )}
      <Anchor component={Link} to="/sign-in" size="sm">
        {t('forgot.back')}
      </Anchor>
    </AuthLayout>
  );
}
