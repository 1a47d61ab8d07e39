import { Alert, Anchor, Button, Divider, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, Link, useNavigate } from '@tanstack/react-router';
import type { TAcceptedInvitation, TInvitationLookup } from '@tillit/contracts';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { AuthLayout, ErrorAlert, Loading } from '../../components/ui.tsx';
import { ApiError, api } from '../../lib/api.ts';
import { i18n } from '../../lib/i18n.ts';
import { meQuery, signUp } from '../account/account.api.ts';
import { switchWorkspace } from '../workspaces/workspaces.api.ts';
import { AccountFields, accountInput, readForm } from './account-fields.tsx';

const route = getRouteApi('/invite/$token');

/** Accepts, then works in the workspace just joined. */
async function acceptInvitation(token: string): Promise<void> {
  const accepted = await api<Partial<TAcceptedInvitation> | null>('/api/invitations/accept', {
    method: 'POST',
    body: { token },
  });
  if (accepted?.workspaceId) await switchWorkspace(accepted.workspaceId);
}

export function InvitePage() {
  const { t } = useTranslation();
  const { token } = route.useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const me = useQuery(meQuery);
  const lookup = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => api<TInvitationLookup>(`/api/invitations/lookup?token=${encodeURIComponent(token)}`),
  });

  const finish = async () => {
    queryClient.clear();
    await navigate({ to: '/' });
  };

  const accept = useMutation({ mutationFn: () => acceptInvitation(token), onSuccess: finish });

  const create = useMutation({
    mutationFn: async (form: HTMLFormElement) => {
      await signUp({ ...accountInput(readForm(form), i18n.language), invitationToken: token });
      try {
        await acceptInvitation(token);
      } catch (err) {
        // Sign-up with the token may have joined already; anything else is worth showing.
        if (!(err instanceof ApiError && (err.status === 409 || err.status === 410 || err.status === 400))) throw err;
      }
    },
    onSuccess: finish,
  });

  if (lookup.isPending || me.isPending) {
    return (
      <AuthLayout title={t('invite.title')}>
        <Loading />
      </AuthLayout>
    );
  }
  if (lookup.isError) {
    return (
      <AuthLayout title={t('invite.title')}>
        <Alert color="red" role="alert">
          {lookup.error instanceof ApiError && lookup.error.status === 404 ? t('invite.invalid') : lookup.error.message}
        </Alert>
      </AuthLayout>
    );
  }
  const inv = lookup.data;
  const role = t(`roles.${inv.role}`);
  const intro = t('invite.intro', { workspace: inv.workspaceName, role });
  const state = inv.expired ? 'expired' : inv.status;
  if (state !== 'pending') {
    const status = t(`invite.status.${state}`);
    return (
      <AuthLayout title={t('invite.title')} intro={intro}>
        <Alert color="yellow" role="alert">
          {t('invite.notPending', { status })}
        </Alert>
        <Anchor component={Link} to="/">
          {t('app.backHome')}
        </Anchor>
      </AuthLayout>
    );
  }

  const here = `/invite/${token}`;
  return (
    <AuthLayout title={t('invite.title')} intro={intro} width={480}>
      <Text size="sm">{t('invite.forEmail', { email: inv.email })}</Text>
      {me.data ? (
        <Stack gap="sm">
          <Text size="sm">{t('invite.signedInAs', { email: me.data.email })}</Text>
          <ErrorAlert error={accept.error} />
          <Button onClick={() => accept.mutate()} loading={accept.isPending}>
            {t('invite.accept')}
          </Button>
        </Stack>
      ) : (
        <>
          <Text size="sm" fw={500}>
            {t('invite.newHere')}
          </Text>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate(e.currentTarget);
            }}
          >
            <Stack gap="sm">
              <AccountFields error={create.error} email={inv.email} />
              <ErrorAlert error={create.error} hideWhenFields />
              <Button type="submit" loading={create.isPending}>
                {t('signUp.submit')}
              </Button>
            </Stack>
          </form>
          <Divider />
          <Text size="sm">
            {t('invite.haveAccount')}{' '}
            <AnchorLink to="/sign-in" search={{ redirect: here }}>
              {t('invite.signInToAccept')}
            </AnchorLink>
          </Text>
        </>
      )}
    </AuthLayout>
  );
}
