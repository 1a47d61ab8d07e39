import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { describeError } from '../lib/i18n.ts';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Center mih="60vh">
      <Stack align="center">
        <Title order={1} size="h3">
          {t('app.notFound')}
        </Title>
        <Button component={Link} to="/">
          {t('app.backHome')}
        </Button>
      </Stack>
    </Center>
  );
}

export function RouteError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return (
    <Center mih="60vh">
      <Stack align="center" role="alert">
        <Title order={1} size="h3">
          {t('app.error')}
        </Title>
        <Text c="dimmed">{describeError(error)}</Text>
        <Button onClick={() => window.location.reload()}>{t('app.retry')}</Button>
      </Stack>
    </Center>
  );
}
