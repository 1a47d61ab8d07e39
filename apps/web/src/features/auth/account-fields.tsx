import { Group, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { PasswordField } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';

/** The inputs every new account needs. Names match the API's fields so its problems land beside them. */
export function AccountFields(props: { error: unknown; email?: string; emailReadOnly?: boolean }) {
  const { t } = useTranslation();
  const { error } = props;
  return (
    <>
      <Group grow align="flex-start">
        <TextInput
          name="firstName"
          label={t('common.firstName')}
          autoComplete="given-name"
          required
          error={fieldError(error, 'firstName')}
        />
        <TextInput
          name="lastName"
          label={t('common.lastName')}
          autoComplete="family-name"
          required
          error={fieldError(error, 'lastName')}
        />
      </Group>
      <TextInput
        name="email"
        type="email"
        label={t('common.email')}
        autoComplete="email"
        required
        defaultValue={props.email}
        readOnly={props.emailReadOnly}
        error={fieldError(error, 'email')}
      />
      <PasswordField
        name="password"
        label={t('common.password')}
        description={t('fields.passwordHint')}
        autoComplete="new-password"
        required
        minLength={10}
        error={fieldError(error, 'password')}
      />
      <TextInput
        name="dateOfBirth"
        type="date"
        label={t('common.dateOfBirth')}
        description={t('fields.dobHint')}
        required
        error={fieldError(error, 'dateOfBirth')}
      />
    </>
  );
}

/** Reads a form's fields as strings. */
export function readForm(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) {
    // Passwords are taken exactly as typed.
    if (typeof value === 'string') out[key] = /password/i.test(key) ? value : value.trim();
  }
  return out;
}

export function accountInput(values: Record<string, string>, locale: string) {
  return {
    email: values.email ?? '',
    password: values.password ?? '',
    firstName: values.firstName ?? '',
    lastName: values.lastName ?? '',
    dateOfBirth: values.dateOfBirth ?? '',
    locale,
  };
}
