import { Badge, Button, Fieldset, Group, Modal, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, Page, PasswordField, Section, SuccessAlert } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { authClient, unwrap } from '../../lib/auth-client.ts';
import { countryOptions } from '../../lib/format.ts';
import { i18n, LANGUAGES, pickLanguage } from '../../lib/i18n.ts';
import { readForm } from '../auth/account-fields.tsx';
import { deleteMe, meQuery, type TMe, updateMe } from './account.api.ts';

const orNull = (v: string | undefined) => (v ? v : null);

export function MyAccountPage() {
  const { t } = useTranslation();
  const me = useQuery(meQuery).data;
  if (!me) return null;
  return (
    <Page title={t('account.title')}>
      <ProfileSection me={me} />
      <LanguageSection me={me} />
      <EmailSection me={me} />
      <Section title={t('account.dataTitle')} intro={t('account.dataIntro')}>
        <Button component="a" href="/api/account/export" download variant="default" w="fit-content">
          {t('account.download')}
        </Button>
      </Section>
      <DeleteSection />
    </Page>
  );
}

function ProfileSection({ me }: { me: TMe }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (form: HTMLFormElement) => {
      const v = readForm(form);
      return updateMe({
        firstName: v.firstName ?? '',
        lastName: v.lastName ?? '',
        phone: orNull(v.phone),
        address: {
          street: orNull(v.street),
          postalCode: orNull(v.postalCode),
          city: orNull(v.city),
          state: orNull(v.state),
          country: orNull(v.country),
        },
      });
    },
    onMutate: () => setSaved(false),
    onSuccess: async () => {
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
    },
  });
  const e = save.error;
  return (
    <Section title={t('account.profile')}>
      <form
        onSubmit={(ev) => {
          ev.preventDefault();
          save.mutate(ev.currentTarget);
        }}
      >
        <Stack gap="sm" maw={560}>
          <Group grow align="flex-start">
            <TextInput
              name="firstName"
              label={t('common.firstName')}
              autoComplete="given-name"
              required
              defaultValue={me.firstName}
              error={fieldError(e, 'firstName')}
            />
            <TextInput
              name="lastName"
              label={t('common.lastName')}
              autoComplete="family-name"
              required
              defaultValue={me.lastName}
              error={fieldError(e, 'lastName')}
            />
          </Group>
          <TextInput
            name="phone"
            type="tel"
            label={t('account.phone')}
            description={t('account.phoneHint')}
            autoComplete="tel"
            defaultValue={me.phone ?? ''}
            error={fieldError(e, 'phone')}
          />
          <Fieldset
            legend={t('account.address')}
            variant="unstyled"
            mt="xs"
            style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}
            styles={{ legend: { fontWeight: 600, fontSize: 'var(--mantine-font-size-sm)', marginBottom: 8 } }}
          >
            <Stack gap="sm">
              <TextInput
                name="street"
                label={t('account.street')}
                autoComplete="street-address"
                defaultValue={me.address?.street ?? ''}
                error={fieldError(e, 'street')}
              />
              <Group grow align="flex-start">
                <TextInput
                  name="postalCode"
                  label={t('account.postalCode')}
                  autoComplete="postal-code"
                  defaultValue={me.address?.postalCode ?? ''}
                  error={fieldError(e, 'postalCode')}
                />
                <TextInput
                  name="city"
                  label={t('account.city')}
                  autoComplete="address-level2"
                  defaultValue={me.address?.city ?? ''}
                  error={fieldError(e, 'city')}
                />
              </Group>
              <Group grow align="flex-start">
                <TextInput
                  name="state"
                  label={t('account.state')}
                  autoComplete="address-level1"
                  defaultValue={me.address?.state ?? ''}
                  error={fieldError(e, 'state')}
                />
                <NativeSelect
                  name="country"
                  label={t('common.country')}
                  defaultValue={me.address?.country ?? ''}
                  data={[{ value: '', label: t('common.none') }, ...countryOptions(i18n.language)]}
                  error={fieldError(e, 'country')}
                />
              </Group>
            </Stack>
          </Fieldset>
          <ErrorAlert error={e} hideWhenFields />
          {saved && <SuccessAlert>{t('common.saved')}</SuccessAlert>}
          <Button type="submit" loading={save.isPending} w="fit-content">
            {t('common.save')}
          </Button>
        </Stack>
      </form>
    </Section>
  );
}

function LanguageSection({ me }: { me: TMe }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const change = useMutation({
    mutationFn: (locale: string) => updateMe({ locale }),
    onMutate: async (locale) => {
      setSaved(false);
      await i18n.changeLanguage(locale);
    },
    onSuccess: async () => {
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
    },
  });
  return (
    <Section title={t('common.language')}>
      <NativeSelect
        label={t('common.language')}
        maw={280}
        value={pickLanguage(i18n.language) ?? pickLanguage(me.locale) ?? 'en'}
        onChange={(e) => change.mutate(e.currentTarget.value)}
        data={LANGUAGES.map((l) => ({ value: l, label: t(`languages.${l}`) }))}
        error={fieldError(change.error, 'locale')}
      />
      <ErrorAlert error={change.error} hideWhenFields />
      {saved && <SuccessAlert>{t('account.languageSaved')}</SuccessAlert>}
    </Section>
  );
}

function EmailSection({ me }: { me: TMe }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: async (form: HTMLFormElement) => {
      const newEmail = readForm(form).newEmail ?? '';
      await unwrap(authClient.changeEmail({ newEmail, callbackURL: '/settings/account' }));
      form.reset();
      return newEmail;
    },
    onMutate: () => setSentTo(null),
    onSuccess: async (email) => {
      setSentTo(email);
      // An unverified address changes at once; a verified one waits for the confirmation link.
      await queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
    },
  });
  return (
    <Section title={t('account.emailTitle')}>
      <Group gap="sm">
        <Text size="sm">{t('account.currentEmail', { email: me.email })}</Text>
        <Badge size="sm" variant="light" color={me.emailVerified ? 'teal' : 'yellow'}>
          {me.emailVerified ? t('account.verified') : t('account.unverified')}
        </Badge>
      </Group>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate(e.currentTarget);
        }}
      >
        <Group align="flex-start" gap="sm">
          <TextInput
            name="newEmail"
            type="email"
            label={t('account.newEmail')}
            autoComplete="email"
            required
            w={320}
            error={fieldError(change.error, 'newEmail') ?? fieldError(change.error, 'email')}
          />
          <Button type="submit" variant="default" loading={change.isPending} mt={25}>
            {t('account.changeEmail')}
          </Button>
        </Group>
      </form>
      <ErrorAlert error={change.error} hideWhenFields />
      {sentTo && (
        <SuccessAlert>
          {sentTo.toLowerCase() === me.email.toLowerCase()
            ? t('account.changeEmailDone', { email: sentTo })
            : t('account.changeEmailSent', { email: sentTo })}
        </SuccessAlert>
      )}
    </Section>
  );
}

function DeleteSection() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const remove = useMutation({
    mutationFn: (form: HTMLFormElement) => deleteMe(readForm(form).password ?? ''),
    onSuccess: async () => {
      setOpen(false);
      queryClient.clear();
      await navigate({ to: '/sign-in', search: { notice: 'deleted' } });
    },
  });
  return (
    <Section title={t('account.deleteTitle')} intro={t('account.deleteIntro')}>
      <Button
        color="red"
        variant="light"
        w="fit-content"
        onClick={() => {
          remove.reset();
          setOpen(true);
        }}
      >
        {t('account.deleteButton')}
      </Button>
      <Modal
        opened={open}
        onClose={() => setOpen(false)}
        title={t('account.deleteTitle')}
        closeButtonProps={{ 'aria-label': t('common.close') }}
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            remove.mutate(e.currentTarget);
          }}
        >
          <Stack>
            <Text size="sm">{t('account.deleteIntro')}</Text>
            <PasswordField
              name="password"
              label={t('common.password')}
              description={t('account.deletePassword')}
              autoComplete="current-password"
              required
              data-autofocus
              error={fieldError(remove.error, 'password')}
            />
            <ErrorAlert error={remove.error} hideWhenFields />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" color="red" loading={remove.isPending}>
                {t('account.deleteConfirm')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Section>
  );
}
