import { Anchor, Button, List, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { Page, Section } from '../../components/ui.tsx';
import { activeWorkspace, displayName, isWorkspaceAdmin, meQuery } from '../account/account.api.ts';
import { Dashboard } from './dashboard.tsx';

export function HomePage() {
  const { t } = useTranslation();
  const me = useQuery(meQuery).data;
  if (!me) return null;
  const ws = activeWorkspace(me);
  const admin = isWorkspaceAdmin(me);
  return (
    <Page title={t('home.title', { name: me.firstName || displayName(me) })}>
      {ws ? (
        <>
          <Text>{t('home.workspace', { workspace: ws.name, role: t(`roles.${ws.role}`) })}</Text>
          <Dashboard />
        </>
      ) : (
        <Section title={t('nav.noWorkspace')}>
          <Text size="sm">{t('home.noWorkspace')}</Text>
          <Button component={Link} to="/workspaces/new" w="fit-content">
            {t('home.createWorkspace')}
          </Button>
        </Section>
      )}
      <Section title={t('home.gettingStarted')}>
        <List spacing="xs" size="sm">
          {ws && ws.role !== 'viewer' && (
            <List.Item>
              <Anchor component={Link} to="/people/new">
                {t('home.stepPerson')}
              </Anchor>
            </List.Item>
          )}
          {ws && ws.role !== 'viewer' && (
            <List.Item>
              <Anchor component={Link} to="/companies/new">
                {t('home.stepCompany')}
              </Anchor>
            </List.Item>
          )}
          {ws && admin && (
            <List.Item>
              <Anchor component={Link} to="/settings/invitations">
                {t('home.stepInvite')}
              </Anchor>
            </List.Item>
          )}
          {!me.twoFactorEnabled && (
            <List.Item>
              <Anchor component={Link} to="/settings/security">
                {t('home.stepSecurity')}
              </Anchor>
            </List.Item>
          )}
          {ws && admin && (
            <List.Item>
              <Anchor component={Link} to="/settings/workspace">
                {t('home.stepWorkspace')}
              </Anchor>
            </List.Item>
          )}
          {ws && admin && (
            <List.Item>
              <Anchor component={Link} to="/settings/data-map">
                {t('home.stepDataMap')}
              </Anchor>
            </List.Item>
          )}
        </List>
      </Section>
    </Page>
  );
}
