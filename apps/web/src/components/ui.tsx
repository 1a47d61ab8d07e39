import {
  Alert,
  Anchor,
  Box,
  Button,
  Center,
  Group,
  Modal,
  NativeSelect,
  Paper,
  PasswordInput,
  type PasswordInputProps,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { type CSSProperties, type ReactNode, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../lib/api.ts';
import { describeError, i18n, LANGUAGES } from '../lib/i18n.ts';

/** A settings or content page: one heading, an optional intro, then its sections. */
export function Page(props: {
  title: string;
  intro?: string;
  actions?: ReactNode;
  children: ReactNode;
  /** Dense table views use the whole width. */
  wide?: boolean;
}) {
  useDocumentTitle(props.title);
  return (
    <Stack gap="lg" maw={props.wide ? undefined : 1100}>
      <Group justify="space-between" align="flex-start">
        <Box>
          <Title order={1} size="h2">
            {props.title}
          </Title>
          {props.intro && (
            <Text c="dimmed" size="sm" mt={4}>
              {props.intro}
            </Text>
          )}
        </Box>
        {props.actions}
      </Group>
      {props.children}
    </Stack>
  );
}

/** A titled block inside a page. */
export function Section(props: { title: string; intro?: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" component="section">
      <Stack gap="sm">
        <Title order={2} size="h4">
          {props.title}
        </Title>
        {props.intro && (
          <Text size="sm" c="dimmed">
            {props.intro}
          </Text>
        )}
        {props.children}
      </Stack>
    </Paper>
  );
}

/** The error of a form or a load, unless it only concerns fields shown beside them. */
export function ErrorAlert({ error, hideWhenFields = false }: { error: unknown; hideWhenFields?: boolean }) {
  useTranslation(); // re-render in the new language
  if (!error) return null;
  if (hideWhenFields && error instanceof ApiError && Object.keys(error.fields).length > 0) return null;
  return (
    <Alert color="red" role="alert">
      {describeError(error)}
    </Alert>
  );
}

export function SuccessAlert({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <Alert color="teal" role="status">
      {children}
    </Alert>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <Text c="dimmed" size="sm" role="status">
      {t('app.loading')}
    </Text>
  );
}

/** Language picker for pages shown before anyone signs in. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  return (
    <NativeSelect
      label={t('common.language')}
      size="xs"
      w={160}
      value={i18n.language}
      onChange={(e) => void i18n.changeLanguage(e.currentTarget.value)}
      data={LANGUAGES.map((l) => ({ value: l, label: t(`languages.${l}`) }))}
    />
  );
}

/** The centred card around sign-in, sign-up, first run and the like. */
export function AuthLayout(props: { title: string; intro?: ReactNode; children: ReactNode; width?: number }) {
  const { t } = useTranslation();
  useDocumentTitle(props.title);
  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Stack w="100%" maw={props.width ?? 420} gap="md">
        <Group justify="space-between" align="flex-end">
          <Text fw={700} size="xl" c="teal.8">
            {t('app.name')}
          </Text>
          <LanguageSwitch />
        </Group>
        <Paper withBorder shadow="xs" p="lg" component="main">
          <Stack gap="md">
            <Title order={1} size="h3">
              {props.title}
            </Title>
            {props.intro && (
              <Text size="sm" c="dimmed">
                {props.intro}
              </Text>
            )}
            {props.children}
          </Stack>
        </Paper>
      </Stack>
    </Center>
  );
}

/** A confirmation dialog for destructive actions; focus is trapped while it is open. */
export function ConfirmDialog(props: {
  opened: boolean;
  title: string;
  text: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  loading?: boolean;
  error?: unknown;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      opened={props.opened}
      onClose={props.onClose}
      title={props.title}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <Stack>
        <Text size="sm">{props.text}</Text>
        <ErrorAlert error={props.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button color="red" onClick={props.onConfirm} loading={props.loading}>
            {props.confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

const URL_PATTERN = /(https?:\/\/[^\s<>"']+)/g;

/** Plain text with its web addresses as links. */
export function Linkified({ text }: { text: string }) {
  const parts = text.split(URL_PATTERN);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never reorder
          <Anchor key={i} href={part} style={{ wordBreak: 'break-all' }}>
            {part}
          </Anchor>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never reorder
          <span key={i}>{part}</span>
        ),
      )}
    </>
  );
}

/** Hidden from sight, not from assistive technology: the column header is the visible label. */
export const visuallyHidden: CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
};

/** A password input whose show/hide toggle does not also answer to the name "password". */
export function PasswordField(props: PasswordInputProps) {
  const { t } = useTranslation();
  return <PasswordInput visibilityToggleButtonProps={{ 'aria-label': t('common.showTyped') }} {...props} />;
}

/** "Members · Tillit": the window title names the page, for tabs and screen readers. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Tillit`;
  }, [title]);
}
