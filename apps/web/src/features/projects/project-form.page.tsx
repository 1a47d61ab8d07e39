import { Button, Checkbox, Group, NativeSelect, SimpleGrid, Stack, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../components/links.tsx';
import { ErrorAlert, Loading, Page, Section } from '../../components/ui.tsx';
import { fieldError } from '../../lib/api.ts';
import { type TVisibility, useTeamOptions, VISIBILITIES } from '../people/people.api.ts';
import { LinkPicker, type TPicked } from '../tasks/linked-records.tsx';
import { membersQuery } from '../workspaces/workspaces.api.ts';
import {
  createProject,
  PROJECT_STATUSES,
  projectQuery,
  type TProject,
  type TProjectStatus,
  updateProject,
} from './projects.api.ts';

type TDraft = {
  name: string;
  description: string;
  status: TProjectStatus;
  startDate: string;
  endDate: string;
  ownerId: string;
  memberIds: string[];
  companies: TPicked[];
  deals: TPicked[];
  visibility: TVisibility;
  teamId: string;
};

const editRoute = getRouteApi('/app/projects/$projectId/edit');

export function NewProjectPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('projects.newTitle')}>
      <ProjectForm />
    </Page>
  );
}

export function EditProjectPage() {
  const { t } = useTranslation();
  const { projectId } = editRoute.useParams();
  const project = useQuery(projectQuery(projectId));
  if (project.isPending) return <Loading />;
  if (project.isError)
    return (
      <Page title={t('projects.title')}>
        <ErrorAlert error={project.error} />
      </Page>
    );
  return (
    <Page title={t('projects.editTitle', { name: project.data.name })}>
      <AnchorLink to="/projects/$projectId" params={{ projectId }} fz="sm">
        {t('projects.backToProject')}
      </AnchorLink>
      <ProjectForm project={project.data} />
    </Page>
  );
}

function ProjectForm({ project }: { project?: TProject }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const members = useQuery(membersQuery);
  const teams = useTeamOptions();
  const [d, setDraft] = useState<TDraft>(() => ({
    name: project?.name ?? '',
    description: project?.description ?? '',
    status: project?.status ?? 'planned',
    startDate: project?.startDate ?? '',
    endDate: project?.endDate ?? '',
    ownerId: project?.ownerId ?? '',
    memberIds: project?.memberIds ?? [],
    companies: (project?.companyIds ?? []).map((id) => ({ id, label: null })),
    deals: (project?.dealIds ?? []).map((id) => ({ id, label: null })),
    visibility: project?.visibility ?? 'workspace',
    teamId: project?.teamId ?? '',
  }));
  const set = (patch: Partial<TDraft>) => setDraft((prev) => ({ ...prev, ...patch }));
  const save = useMutation({
    mutationFn: () => {
      const body = {
        name: d.name.trim(),
        description: d.description,
        status: d.status,
        startDate: d.startDate || null,
        endDate: d.endDate || null,
        ownerId: d.ownerId || undefined,
        memberIds: d.memberIds,
        companyIds: d.companies.map((c) => c.id),
        dealIds: d.deals.map((c) => c.id),
        visibility: d.visibility,
        teamId: d.visibility === 'team' ? d.teamId || null : null,
      };
      return project ? updateProject(project.id, body) : createProject(body);
    },
    onSuccess: async (p) => {
      await queryClient.invalidateQueries({ queryKey: ['projects'] });
      await navigate({ to: '/projects/$projectId', params: { projectId: p.id } });
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
        <Section title={t('projects.details')}>
          <TextInput
            name="name"
            label={t('common.name')}
            required
            value={d.name}
            onChange={(ev) => set({ name: ev.currentTarget.value })}
            error={fieldError(e, 'name')}
          />
          <Textarea
            name="description"
            label={t('projects.description')}
            autosize
            minRows={3}
            value={d.description}
            onChange={(ev) => set({ description: ev.currentTarget.value })}
            error={fieldError(e, 'description')}
          />
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            <NativeSelect
              name="status"
              label={t('projects.status')}
              value={d.status}
              onChange={(ev) => set({ status: ev.currentTarget.value as TProjectStatus })}
              data={PROJECT_STATUSES.map((s) => ({ value: s, label: t(`projects.statuses.${s}`) }))}
              error={fieldError(e, 'status')}
            />
            <TextInput
              type="date"
              name="startDate"
              label={t('projects.startDate')}
              value={d.startDate}
              onChange={(ev) => set({ startDate: ev.currentTarget.value })}
              error={fieldError(e, 'startDate')}
            />
            <TextInput
              type="date"
              name="endDate"
              label={t('projects.endDate')}
              value={d.endDate}
              onChange={(ev) => set({ endDate: ev.currentTarget.value })}
              error={fieldError(e, 'endDate')}
            />
            <NativeSelect
              name="ownerId"
              label={t('projects.owner')}
              value={d.ownerId}
              onChange={(ev) => set({ ownerId: ev.currentTarget.value })}
              data={[
                { value: '', label: t('projects.me') },
                ...(members.data ?? []).map((m) => ({ value: m.userId, label: m.name || m.email })),
              ]}
              error={fieldError(e, 'ownerId')}
            />
          </SimpleGrid>
        </Section>
        <Section title={t('projects.members')}>
          <Checkbox.Group
            value={d.memberIds}
            onChange={(memberIds) => set({ memberIds })}
            error={fieldError(e, 'memberIds')}
            label={t('projects.membersLabel')}
          >
            <SimpleGrid cols={{ base: 1, sm: 3 }} spacing={4} mt={4}>
              {(members.data ?? []).map((m) => (
                <Checkbox key={m.userId} value={m.userId} label={m.name || m.email} />
              ))}
            </SimpleGrid>
          </Checkbox.Group>
        </Section>
        <Section title={t('projects.links')}>
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
        <Group>
          <Button type="submit" loading={save.isPending}>
            {project ? t('common.save') : t('projects.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
