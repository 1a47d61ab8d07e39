import { Button, Group, Modal, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { LEGAL_HOLD_REASONS } from '@tillit/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Section } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { isWorkspaceAdmin, meQuery } from '../account/account.api.ts';
import { CertificateView } from './certificate-view.tsx';
import { erasePerson, erasuresQuery, placeHold, type TErasureCertificate } from './erasure.api.ts';

/** The person page's "Erase" action (admins): a typed confirmation, then the certificate.
 *  A person kept as a stub under a legal hold shows their certificates here. */
export function PersonErasure({ personId }: { personId: string }) {
  const me = useQuery(meQuery);
  if (!isWorkspaceAdmin(me.data)) return null;
  return <ErasureSection personId={personId} />;
}

function ErasureSection({ personId }: { personId: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const list = useQuery(erasuresQuery(personId));
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState<TErasureCertificate | null>(null);
  const erase = useMutation({
    mutationFn: () => erasePerson(personId, { reason, confirm: confirm as 'ERASE' }),
    onSuccess: (c) => {
      setOpen(false);
      setDone(c);
      qc.invalidateQueries({ queryKey: ['people'] });
    },
  });
  const close = () => {
    const gone = done?.state === 'complete';
    setDone(null);
    if (gone) navigate({ to: '/people' });
  };
  const [holding, setHolding] = useState(false);
  const [holdReason, setHoldReason] = useState<string | null>('invoice_7y');
  const [holdUntil, setHoldUntil] = useState('');
  const [holdNote, setHoldNote] = useState('');
  const hold = useMutation({
    mutationFn: () =>
      placeHold({
        personId,
        table: 'people',
        reason: (holdReason ?? 'other') as (typeof LEGAL_HOLD_REASONS)[number],
        note: holdNote.trim() || null,
        until: holdUntil ? new Date(`${holdUntil}T23:59:59Z`).toISOString() : null,
      }),
    onSuccess: () => {
      setHolding(false);
      qc.invalidateQueries({ queryKey: ['legal-holds'] });
    },
  });
  const certificates = list.data?.items ?? [];
  return (
    <Section title={t('erasure.title')} intro={t('erasure.intro')}>
      {certificates.map((c) => (
        <CertificateView key={c.erasureId} certificate={c} />
      ))}
      <Group gap="xs">
        <Button color="red" variant="light" onClick={() => setOpen(true)}>
          {t('erasure.erase')}
        </Button>
        <Button variant="default" onClick={() => setHolding(true)}>
          {t('legalHolds.place')}
        </Button>
      </Group>
      <Modal opened={holding} onClose={() => setHolding(false)} title={t('legalHolds.place')}>
        <Stack>
          <Text size="sm">{t('legalHolds.placeText')}</Text>
          <Select
            label={t('legalHolds.reason')}
            data={LEGAL_HOLD_REASONS.map((r) => ({ value: r, label: t(`erasure.reason.${r}`) }))}
            value={holdReason}
            onChange={setHoldReason}
            error={fieldError(hold.error, 'reason')}
          />
          <TextInput
            type="date"
            label={t('legalHolds.until')}
            description={t('legalHolds.untilHelp')}
            value={holdUntil}
            onChange={(e) => setHoldUntil(e.currentTarget.value)}
            error={fieldError(hold.error, 'until')}
          />
          <TextInput
            label={t('legalHolds.note')}
            description={t('legalHolds.noteHelp')}
            value={holdNote}
            onChange={(e) => setHoldNote(e.currentTarget.value)}
            error={fieldError(hold.error, 'note')}
          />
          <ErrorAlert error={hold.error} hideWhenFields />
          <Button loading={hold.isPending} onClick={() => hold.mutate()}>
            {t('legalHolds.place')}
          </Button>
        </Stack>
      </Modal>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('erasure.confirmTitle')}>
        <Stack>
          <Text size="sm">{t('erasure.confirmText')}</Text>
          <Textarea
            label={t('erasure.reasonLabel')}
            required
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={fieldError(erase.error, 'reason')}
          />
          <TextInput
            label={t('erasure.typeErase')}
            required
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={fieldError(erase.error, 'confirm')}
          />
          <ErrorAlert error={erase.error} hideWhenFields />
          <Button
            color="red"
            disabled={confirm !== 'ERASE' || !reason.trim()}
            loading={erase.isPending}
            onClick={() => erase.mutate()}
          >
            {t('erasure.eraseNow')}
          </Button>
        </Stack>
      </Modal>
      <Modal opened={done !== null} onClose={close} title={t('erasure.doneTitle')} size="xl">
        {done ? <CertificateView certificate={done} /> : null}
      </Modal>
    </Section>
  );
}
