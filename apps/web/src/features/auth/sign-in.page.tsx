import { Alert, Anchor, Button, Checkbox, Divider, Group, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { AuthLayout, ErrorAlert, PasswordField } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { authClient, unwrap } from '../../lib/auth-client.ts';
import { readForm } from './account-fields.tsx';

const route = getRouteApi('/sign-in');

type Step = 'password' | 'totp' | 'backup';

export function SignInPage() {
  const { t } = useTranslation();
  const search = route.useSearch();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [step, setStep] = useState<Step>('password');

  const done = async () => {
    queryClient.clear();
    await navigate({ href: search.redirect ?? '/' });
  };

  const password = useMutation({
    mutationFn: async (form: HTMLFormElement) => {
      const v = readForm(form);
      return unwrap(authClient.signIn.email({ email: v.email ?? '', password: v.password ?? '' }));
    },
    onSuccess: async (data) => {
      if (data && typeof data === 'object' && 'twoFactorRedirect' in data && data.twoFactorRedirect) {
        setStep('totp');
        return;
      }
      await done();
    },
  });

  const passkey = useMutation({
    mutationFn: () => unwrap(authClient.signIn.passkey()),
    onSuccess: done,
  });

  const secondFactor = useMutation({
    mutationFn: async (form: HTMLFormElement) => {
      const v = readForm(form);
      const trustDevice = v.trustDevice === 'on';
      if (step === 'backup') return unwrap(authClient.twoFactor.verifyBackupCode({ code: v.code ?? '', trustDevice }));
      return unwrap(authClient.twoFactor.verifyTotp({ code: (v.code ?? '').replace(/\s/g, ''), trustDevice }));
    },
    onSuccess: done,
  });

  if (step !== 'password') {
    const backup = step === 'backup';
    return (
      <AuthLayout
        title={t('signIn.twoFactorTitle')}
        intro={backup ? t('signIn.backupIntro') : t('signIn.twoFactorIntro')}
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            secondFactor.mutate(e.currentTarget);
          }}
        >
          <Stack gap="sm">
            <TextInput
              key={step}
              name="code"
              label={backup ? t('signIn.backupCode') : t('signIn.code')}
              autoComplete="one-time-code"
              inputMode={backup ? 'text' : 'numeric'}
              required
              data-autofocus
              autoFocus
              error={fieldError(secondFactor.error, 'code')}
            />
            <Checkbox name="trustDevice" label={t('signIn.trustDevice')} />
            <ErrorAlert error={secondFactor.error} hideWhenFields />
            <Button type="submit" loading={secondFactor.isPending}>
              {t('signIn.verify')}
            </Button>
            <Group justify="space-between">
              <Anchor
                component="button"
                type="button"
                size="sm"
                onClick={() => {
                  secondFactor.reset();
                  setStep(backup ? 'totp' : 'backup');
                }}
              >
                {backup ? t('signIn.useTotp') : t('signIn.useBackup')}
              </Anchor>
              <Anchor
                component="button"
                type="button"
                size="sm"
                onClick={() => {
                  secondFactor.reset();
                  password.reset();
                  setStep('password');
                }}
              >
                {t('signIn.back')}
              </Anchor>
            </Group>
          </Stack>
        </form>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={t('signIn.title')}>
      {search.notice === 'reset' && <Alert color="teal">{t('signIn.resetDone')}</Alert>}
      {search.notice === 'deleted' && <Alert color="teal">{t('signIn.deleted')}</Alert>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          password.mutate(e.currentTarget);
        }}
      >
        <Stack gap="sm">
          <TextInput
            name="email"
            type="email"
            label={t('common.email')}
            autoComplete="username webauthn"
            required
            error={fieldError(password.error, 'email')}
          />
          <PasswordField
            name="password"
            label={t('common.password')}
            autoComplete="current-password"
            required
            error={fieldError(password.error, 'password')}
          />
          <ErrorAlert error={password.error} hideWhenFields />
          <Button type="submit" loading={password.isPending}>
            {t('signIn.submit')}
          </Button>
          <Anchor component={Link} to="/forgot-password" size="sm">
            {t('signIn.forgot')}
          </Anchor>
        </Stack>
      </form>
      <Divider label={t('signIn.or')} labelPosition="center" />
      <ErrorAlert error={passkey.error} />
      <Button variant="default" onClick={() => passkey.mutate()} loading={passkey.isPending}>
        {t('signIn.passkey')}
      </Button>
      <Text size="sm">
        {t('signIn.noAccount')}{' '}
        <AnchorLink to="/sign-up" search={{ redirect: search.redirect }}>
          {t('signIn.signUp')}
        </AnchorLink>
      </Text>
    </AuthLayout>
  );
}
