import { Button, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AuthLayout, ErrorAlert, SuccessAlert } from '../../components/ui.tsx';
import { confirmConsentLink, withdrawConsentLink } from './consent.api.ts';

/**
 * The pages behind the links of consent emails (no sign-in). The link itself changes
 * nothing (mail scanners open links); the person presses the button, which POSTs the token.
 */
export function ConsentLinkPage({ action }: { action: 'confirm' | 'withdraw' }) {
  const { t } = useTranslation();
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const run = useMutation({
    mutationFn: () => (action === 'confirm' ? confirmConsentLink(token) : withdrawConsentLink(token)),
  });
  return (
    <AuthLayout
      title={action === 'confirm' ? t('privacyEngine.confirmTitle') : t('privacyEngine.withdrawTitle')}
      intro={action === 'confirm' ? t('privacyEngine.confirmIntro') : t('privacyEngine.withdrawIntro')}
    >
      <Stack>
        {run.isSuccess ? (
          <SuccessAlert>
            {action === 'confirm' ? t('privacyEngine.confirmed') : t('privacyEngine.withdrawn')}
          </SuccessAlert>
        ) : (
          <Button onClick={() => run.mutate()} loading={run.isPending} disabled={!token}>
            {action === 'confirm' ? t('privacyEngine.confirmButton') : t('privacyEngine.withdrawButton')}
          </Button>
        )}
        {!token && <Text c="red">{t('privacyEngine.noToken')}</Text>}
        <ErrorAlert error={run.error} />
      </Stack>
    </AuthLayout>
  );
}
