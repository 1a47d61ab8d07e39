import { Avatar, Button, FileButton, Group, Stack } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { TPerson } from '@tillit/contracts';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/ui.tsx';
import { useCanWrite } from '../people/people.api.ts';
import { removePersonPhoto, setPersonPhoto } from './files.api.ts';

const initials = (p: Pick<TPerson, 'firstName' | 'lastName'>) =>
  `${p.firstName.charAt(0)}${p.lastName.charAt(0)}`.toUpperCase();

/** A person's photo in a list: the square thumbnail, or their initials. */
export function PersonAvatar({ person, size = 'sm' }: { person: TPerson; size?: 'sm' | 'md' | 'xl' }) {
  return (
    <Avatar src={person.photoUrl ?? null} alt="" size={size} radius="xl" color="blue">
      {initials(person)}
    </Avatar>
  );
}

/** The photo on a person's page, with Upload and Remove for members (P-CRM-1). */
export function PersonPhoto({ person }: { person: TPerson }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['people'] });
    await queryClient.invalidateQueries({ queryKey: ['trash'] });
  };
  const upload = useMutation({ mutationFn: (f: File) => setPersonPhoto(person.id, f), onSettled: refresh });
  const remove = useMutation({ mutationFn: () => removePersonPhoto(person.id), onSettled: refresh });
  return (
    <Stack gap={6} align="flex-start">
      <Avatar
        src={person.photoUrl ?? null}
        alt={t('files.photoOf', { name: `${person.firstName} ${person.lastName}`.trim() })}
        size={96}
        radius="md"
        color="blue"
      >
        {initials(person)}
      </Avatar>
      {canWrite && (
        <Group gap={6}>
          <FileButton accept="image/png,image/jpeg,image/gif,image/webp" onChange={(f) => f && upload.mutate(f)}>
            {(props) => (
              <Button {...props} size="compact-xs" variant="default" loading={upload.isPending}>
                {person.photoUrl ? t('files.changePhoto') : t('files.addPhoto')}
              </Button>
            )}
          </FileButton>
          {person.photoUrl && (
            <Button
              size="compact-xs"
              variant="subtle"
              color="red"
              loading={remove.isPending}
              onClick={() => remove.mutate()}
            >
              {t('files.removePhoto')}
            </Button>
          )}
        </Group>
      )}
      <ErrorAlert error={upload.error ?? remove.error} />
    </Stack>
  );
}
