import { Button, Group, NativeSelect, SimpleGrid, Stack, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { ConfirmDialog, ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/format.ts';
import { meQuery } from '../account/account.api.ts';
import { type TVisibility, useCanWrite, useTeamOptions, VISIBILITIES } from '../people/people.api.ts';
import { projectsPickQuery } from '../projects/projects.api.ts';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import { LinkPicker, type TPicked } from './linked-records.tsx';
import {
  createTask,
  deleteTask,
  fromLocalInput,
  TASK_PRIORITIES,
  TASK_STATUSES,
  type TTask,
  type TTaskPriority,
  type TTaskStatus,
  taskQuery,
  toLocalInput,
  updateTask,
} from './tasks.api.ts';

type TDraft = {
  title: string;
  description: string;
  dueAt: string;
  remindAt: string;
  assigneeId: string;
  status: TTaskStatus;
  priority: TTaskPriority;
  projectId: string;
  people: TPicked[];
  companies: TPicked[];
  deals: TPicked[];
  visibility: TVisibility;
  teamId: string;
};

type TPrefill = { personId?: string; companyId?: string; dealId?: string; projectId?: string };

function draftOf(task: TTask | undefined, meId: string, prefill: TPrefill): TDraft {
  const ids = (list: string[] | undefined, extra?: string) =>
    [...(list ?? []), ...(extra && !list ? [extra] : [])].map((id) => ({ id, label: null }));
  return {
    title: task?.title ?? '',
    description: task?.description ?? '',
    dueAt: toLocalInput(task?.dueAt),
    remindAt: toLocalInput(task?.remindAt),
    assigneeId: task ? (task.assigneeId ?? '') : meId,
    status: task?.status ?? 'open',
    priority: task?.priority ?? 'normal',
    projectId: task ? (task.projectId ?? '') : (prefill.projectId ?? ''),
    people: ids(task?.personIds, prefill.personId),
    companies: ids(task?.companyIds, prefill.companyId),
    deals: ids(task?.dealIds, prefill.dealId),
    visibility: task?.visibility ?? 'workspace',
    teamId: task?.teamId ?? '',
  };
}

const newRoute = getRouteApi('/app/tasks/new');
const taskRoute = getRouteApi('/app/tasks/$taskId');

export function NewTaskPage() {
  const { t } = useTranslation();
  const prefill = newRoute.useSearch();
  const me = useQuery(meQuery).data;
  return <Page title={t('tasks.newTitle')}>{me ? <TaskForm meId={me.id} prefill={prefill} /> : <Loading />}</Page>;
}

export function TaskPage() {
  const { t } = useTranslation();
  const { taskId } = taskRoute.useParams();
  const me = useQuery(meQuery).data;
  const task = useQuery(taskQuery(taskId));
  if (task.isPending || !me) return <Loading />;
  if (task.isError)
    return (
      <Page title={t('tasks.title')}>
        <ErrorAlert error={task.error} />
        <AnchorLink to="/tasks">{t('tasks.backToList')}</AnchorLink>
      </Page>
    );
  return (
    <Page title={task.data.title}>
      <AnchorLink to="/tasks" fz="sm">
        {t('tasks.backToList')}
      </AnchorLink>
      <TaskForm key={task.data.updatedAt} meId={me.id} task={task.data} prefill={{}} />
    </Page>
  );
}

function TaskForm(props: { meId: string; task?: TTask; prefill: TPrefill }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const members = useQuery(membersQuery);
  const projects = useQuery(projectsPickQuery);
  const teams = useTeamOptions();
  const [d, setDraft] = useState(() => draftOf(props.task, props.meId, props.prefill));
  const set = (patch: Partial<TDraft>) => setDraft((prev) => ({ ...prev, ...patch }));
  const [confirming, setConfirming] = useState(false);

  const body = () => ({
    title: d.title.trim(),
    description: d.description,
    dueAt: fromLocalInput(d.dueAt),
    remindAt: fromLocalInput(d.remindAt),
    assigneeId: d.assigneeId || null,
    status: d.status,
    priority: d.priority,
    projectId: d.projectId || null,
    personIds: d.people.map((p) => p.id),
    companyIds: d.companies.map((p) => p.id),
    dealIds: d.deals.map((p) => p.id),
    visibility: d.visibility,
    teamId: d.visibility === 'team' ? d.teamId || null : null,
  });
  const save = useMutation({
    mutationFn: () => (props.task ? updateTask(props.task.id, body()) : createTask(body())),
    onSuccess: async (task) => {
      await queryClient.invalidateQueries({ queryKey: ['tasks'] });
      if (!props.task) await navigate({ to: '/tasks/$taskId', params: { taskId: task.id } });
    },
  });
  const remove = useMutation({
    mutationFn: () => deleteTask(props.task?.id ?? ''),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['tasks'] });
      await navigate({ to: '/tasks' });
    },
  });
  const e = save.error;

  return (
    <form
      noValidate
      onSubmit={(ev) => {
        ev.preventDefault();
        save.mutate();
      }}
    >
      <Stack gap="md">
        <Section title={t('tasks.details')}>
          <TextInput
            name="title"
            label={t('tasks.taskTitle')}
            required
            value={d.title}
            onChange={(ev) => set({ title: ev.currentTarget.value })}
            error={fieldError(e, 'title')}
            readOnly={!canWrite}
          />
          <Textarea
            name="description"
            label={t('tasks.description')}
            autosize
            minRows={3}
            value={d.description}
            onChange={(ev) => set({ description: ev.currentTarget.value })}
            error={fieldError(e, 'description')}
            readOnly={!canWrite}
          />
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <TextInput
              type="datetime-local"
              name="dueAt"
              label={t('tasks.due')}
              value={d.dueAt}
              onChange={(ev) => set({ dueAt: ev.currentTarget.value })}
              error={fieldError(e, 'dueAt')}
            />
            <TextInput
              type="datetime-local"
              name="remindAt"
              label={t('tasks.remindAt')}
              value={d.remindAt}
              onChange={(ev) => set({ remindAt: ev.currentTarget.value })}
              error={fieldError(e, 'remindAt')}
              description={
                props.task?.reminderSentAt
                  ? t('tasks.reminderSent', { at: formatDateTime(props.task.reminderSentAt) })
                  : undefined
              }
            />
            <NativeSelect
              name="assigneeId"
              label={t('tasks.assignee')}
              value={d.assigneeId}
              onChange={(ev) => set({ assigneeId: ev.currentTarget.value })}
              data={[
                { value: '', label: t('tasks.unassigned') },
                ...(members.data ?? []).map((m) => ({ value: m.userId, label: m.name || m.email })),
              ]}
              error={fieldError(e, 'assigneeId')}
            />
            <NativeSelect
              name="status"
              label={t('tasks.status')}
              value={d.status}
              onChange={(ev) => set({ status: ev.currentTarget.value as TTaskStatus })}
              data={TASK_STATUSES.map((s) => ({ value: s, label: t(`tasks.statuses.${s}`) }))}
              error={fieldError(e, 'status')}
            />
            <NativeSelect
              name="priority"
              label={t('tasks.priority')}
              value={d.priority}
              onChange={(ev) => set({ priority: ev.currentTarget.value as TTaskPriority })}
              data={TASK_PRIORITIES.map((p) => ({ value: p, label: t(`tasks.priorities.${p}`) }))}
              error={fieldError(e, 'priority')}
            />
            <NativeSelect
              name="projectId"
              label={t('tasks.project')}
              value={d.projectId}
              onChange={(ev) => set({ projectId: ev.currentTarget.value })}
              data={[
                { value: '', label: t('tasks.noProject') },
                ...(projects.data ?? []).map((p) => ({ value: p.id, label: p.name })),
              ]}
              error={fieldError(e, 'projectId')}
            />
          </SimpleGrid>
        </Section>
        <Section title={t('tasks.links')}>
          <LinkPicker
            kind="person"
            name="personIds"
            label={t('tasks.addPerson')}
            listLabel={t('tasks.people')}
            value={d.people}
            onChange={(people) => set({ people })}
            error={e}
          />
          <LinkPicker
            kind="company"
            name="companyIds"
            label={t('tasks.addCompany')}
            listLabel={t('tasks.companies')}
            value={d.companies}
            onChange={(companies) => set({ companies })}
            error={e}
          />
          <LinkPicker
            kind="deal"
            name="dealIds"
            label={t('tasks.addDeal')}
            listLabel={t('tasks.deals')}
            value={d.deals}
            onChange={(deals) => set({ deals })}
            error={e}
          />
        </Section>
        <Section title={t('records.access')}>
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <NativeSelect
              name="visibility"
              label={t('records.visibility')}
              value={d.visibility}
              onChange={(ev) => set({ visibility: ev.currentTarget.value as TVisibility })}
              data={VISIBILITIES.map((v) => ({ value: v, label: t(`visibility.${v}`) }))}
              error={fieldError(e, 'visibility')}
            />
            {d.visibility === 'team' && (
              <NativeSelect
                name="teamId"
                label={t('records.team')}
                value={d.teamId}
                onChange={(ev) => set({ teamId: ev.currentTarget.value })}
                data={[{ value: '', label: t('records.chooseTeam') }, ...teams]}
                error={fieldError(e, 'teamId')}
              />
            )}
          </SimpleGrid>
        </Section>
        <ErrorAlert error={e} hideWhenFields />
        <ErrorAlert error={remove.error} />
        {canWrite && (
          <Group>
            <Button type="submit" loading={save.isPending}>
              {props.task ? t('common.save') : t('tasks.create')}
            </Button>
            {save.isSuccess && props.task && <span role="status">{t('common.saved')}</span>}
            {props.task && (
              <Button variant="subtle" color="red" onClick={() => setConfirming(true)}>
                {t('common.delete')}
              </Button>
            )}
          </Group>
        )}
      </Stack>
      {props.task && (
        <ConfirmDialog
          opened={confirming}
          title={t('tasks.deleteTitle', { title: props.task.title })}
          text={t('tasks.deleteMessage')}
          confirmLabel={t('tasks.deleteConfirm')}
          onConfirm={() => remove.mutate()}
          onClose={() => setConfirming(false)}
          loading={remove.isPending}
        />
      )}
    </form>
  );
}
