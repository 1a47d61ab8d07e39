import { Anchor, Box, Button, FileButton, Group, Image, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/data-table.tsx';
import { ConfirmDialog, ErrorAlert, Loading, Section, SuccessAlert, visuallyHidden } from '../../components/ui.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { i18n } from '../../lib/i18n.ts';
import { useCanWrite } from '../people/people.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { deleteFile, filesQuery, formatSize, type TFile, type TFileRecordKind, uploadFile } from './files.api.ts';

/**
 * The Files section of a person, company or deal (P-CRM-7): drop files on it or pick them
 * with the button; a list with thumbnails, size, uploader and date, each downloadable and
 * (for members) deletable to the trash.
 */
export function FilesSection({ kind, recordId }: { kind: TFileRecordKind; recordId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const list = useInfiniteQuery(filesQuery(kind, recordId));
  const members = useQuery(membersQuery);
  const [dragging, setDragging] = useState(false);
  const [deleting, setDeleting] = useState<TFile | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['files'] });
    await queryClient.invalidateQueries({ queryKey: ['trash'] });
  };
  const upload = useMutation({
    mutationFn: async (picked: File[]) => {
      for (const f of picked) await uploadFile(kind, recordId, f);
      return picked.length;
    },
    onMutate: () => setNotice(null),
    onSuccess: (n) => setNotice(t('files.uploaded', { count: n })),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (f: TFile) => deleteFile(f.id),
    onSuccess: (_d, f) => {
      setDeleting(null);
      setNotice(t('files.deleted', { name: f.name }));
    },
    onSettled: refresh,
  });

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    const picked = Array.from(e.dataTransfer.files);
    if (canWrite && picked.length) upload.mutate(picked);
  };
  const uploaderName = (id: string | null) => {
    const m = members.data?.find((x) => x.userId === id);
    return m ? m.name || m.email : '—';
  };

  return (
    <Section title={t('files.title')}>
      <Stack gap="sm">
        {notice && <SuccessAlert>{notice}</SuccessAlert>}
        <ErrorAlert error={upload.error} />
        {canWrite && (
          <Box
            data-testid="files-dropzone"
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={onDrop}
            p="md"
            style={{
              border: `2px dashed var(--mantine-color-${dragging ? 'blue-6' : 'gray-4'})`,
              borderRadius: 'var(--mantine-radius-md)',
              textAlign: 'center',
            }}
          >
            <Group justify="center" gap="sm">
              <Text size="sm" c="dimmed">
                {t('files.dropHere')}
              </Text>
              <FileButton multiple onChange={(picked) => picked.length && upload.mutate(picked)}>
                {(props) => (
                  <Button {...props} size="compact-sm" variant="default" loading={upload.isPending}>
                    {t('files.choose')}
                  </Button>
                )}
              </FileButton>
            </Group>
          </Box>
        )}
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorAlert error={list.error} />
        ) : rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('files.empty')}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={560}>
            <Table verticalSpacing={4} fz="sm" aria-label={t('files.title')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>
                    <span style={visuallyHidden}>{t('files.preview')}</span>
                  </Table.Th>
                  <Table.Th>{t('common.name')}</Table.Th>
                  <Table.Th>{t('files.size')}</Table.Th>
                  <Table.Th>{t('files.uploadedBy')}</Table.Th>
                  <Table.Th>{t('files.uploadedAt')}</Table.Th>
                  <Table.Th>
                    <span style={visuallyHidden}>{t('members.actions')}</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((f) => (
                  <Table.Tr key={f.id}>
                    <Table.Td w={56}>
                      {f.thumbnailUrl ? (
                        <Image
                          src={f.thumbnailUrl}
                          alt={t('files.thumbnailOf', { name: f.name })}
                          w={40}
                          h={40}
                          radius="sm"
                          fit="cover"
                        />
                      ) : (
                        <Text size="xs" c="dimmed" ta="center" w={40}>
                          {extensionOf(f.name)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Anchor
                        href={f.contentUrl}
                        download={f.name}
                        size="sm"
                        aria-label={t('files.download', { name: f.name })}
                      >
                        {f.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatSize(f.size, i18n.language)}</Table.Td>
                    <Table.Td>{uploaderName(f.uploadedBy)}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(f.createdAt)}</Table.Td>
                    <Table.Td>
                      {canWrite && (
                        <Group justify="flex-end">
                          <Button
                            size="compact-sm"
                            variant="subtle"
                            color="red"
                            aria-label={t('files.deleteLabel', { name: f.name })}
                            onClick={() => {
                              remove.reset();
                              setDeleting(f);
                            }}
                          >
                            {t('common.delete')}
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {list.hasNextPage && (
          <LoadMore
            shown={rows.length}
            hasMore={list.hasNextPage}
            loading={list.isFetchingNextPage}
            onLoad={() => void list.fetchNextPage()}
          />
        )}
      </Stack>
      <ConfirmDialog
        opened={deleting !== null}
        title={t('files.deleteTitle')}
        text={t('files.deleteText', { name: deleting?.name ?? '' })}
        confirmLabel={t('records.moveToTrash')}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
        loading={remove.isPending}
        error={remove.error}
      />
    </Section>
  );
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot > name.length - 7 ? name.slice(dot + 1).toUpperCase() : '—';
}
