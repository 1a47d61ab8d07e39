import { Button, Group, NativeSelect, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Loading, Section } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { activeWorkspace, meQuery } from '../account/account.api.ts';
import {
  createRequest,
  PRIVACY_REQUEST_KINDS,
  requestsQuery,
  type TPrivacyRequestKind,
} from './privacy-requests.api.ts';
import { RequestTable } from './requests-inbox.page.tsx';

/** "Requests" on a person's page: what they asked for, and a form to record a new request
 *  (members and above; a viewer sees nothing here). */
export function PersonRequests({ personId }: { personId: string }) {
  const me = useQuery(meQuery);
  const role = activeWorkspace(me.data)?.role;
  if (!role || role === 'viewer') return null;
  return <Requests personId={personId} />;
}

function Requests({ personId }: { personId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const list = useInfiniteQuery(requestsQuery({ personId }));
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const create = useMutation({
    mutationFn: createRequest,
    onSuccess: async () => {
      setAdding(false);
      await queryClient.invalidateQueries({ queryKey: ['privacy-requests', 'list'] });
    },
  });
  return (
    <Section title={t('privacyRequests.personTitle')} intro={t('privacyRequests.personIntro')}>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorAlert error={list.error} />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('privacyRequests.noneForPerson')}
        </Text>
      ) : (
        <RequestTable rows={rows} label={t('privacyRequests.personTitle')} />
      )}
      {adding ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            const email = String(f.get('requesterEmail') ?? '').trim();
            create.mutate({
              personId,
              kind: String(f.get('kind')) as TPrivacyRequestKind,
              details: String(f.get('details') ?? ''),
              ...(email ? { requesterEmail: email } : {}),
            });
          }}
        >
          <Stack gap="sm" maw={560}>
            <NativeSelect
              name="kind"
              label={t('privacyRequests.kind')}
              data={PRIVACY_REQUEST_KINDS.map((k) => ({ value: k, label: t(`privacyRequests.kinds.${k}`) }))}
            />
            <Textarea
              name="details"
              label={t('privacyRequests.details')}
              autosize
              minRows={2}
              error={fieldError(create.error, 'details')}
            />
            <TextInput
              name="requesterEmail"
              type="email"
              label={t('privacyRequests.requesterEmail')}
              description={t('privacyRequests.requesterEmailHint')}
              error={fieldError(create.error, 'requesterEmail')}
            />
            <ErrorAlert error={create.error} hideWhenFields />
            <Group gap="sm">
              <Button type="submit" loading={create.isPending}>
                {t('privacyRequests.record')}
              </Button>
              <Button variant="default" onClick={() => setAdding(false)}>
                {t('common.cancel')}
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <Button variant="default" w="fit-content" onClick={() => setAdding(true)}>
          {t('privacyRequests.recordNew')}
        </Button>
      )}
    </Section>
  );
}
