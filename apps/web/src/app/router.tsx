import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, Outlet, redirect } from '@tanstack/react-router';
import { meQuery, setupQuery, type TMe, type TSetup } from '../features/account/account.api.ts';
import { MyAccountPage } from '../features/account/my-account.page.tsx';
import { ApiKeysPage } from '../features/api-keys/api-keys.page.tsx';
import { AuditPage } from '../features/audit/audit.page.tsx';
import { ForgotPasswordPage } from '../features/auth/forgot-password.page.tsx';
import { InvitePage } from '../features/auth/invite.page.tsx';
import { ResetPasswordPage } from '../features/auth/reset-password.page.tsx';
import { SignInPage } from '../features/auth/sign-in.page.tsx';
import { SignUpPage } from '../features/auth/sign-up.page.tsx';
import { CompaniesListPage, validateCompaniesSearch } from '../features/companies/companies-list.page.tsx';
import { CompanyDetailPage } from '../features/companies/company-detail.page.tsx';
import { EditCompanyPage, NewCompanyPage } from '../features/companies/company-form.page.tsx';
import { CustomFieldsPage } from '../features/custom-fields/custom-fields.page.tsx';
import { DataMapPage } from '../features/data-map/data-map.page.tsx';
import { DealDetailPage } from '../features/deals/deal-detail.page.tsx';
import { EditDealPage, NewDealPage } from '../features/deals/deal-form.page.tsx';
import { DealsPage, validateDealsSearch } from '../features/deals/deals.page.tsx';
import { CompanyDuplicatesPage } from '../features/duplicates/company-duplicates.page.tsx';
import { CompanyMergePage } from '../features/duplicates/company-merge.page.tsx';
import { DuplicatesPage } from '../features/duplicates/duplicates.page.tsx';
import { MergePage } from '../features/duplicates/merge.page.tsx';
import { HomePage } from '../features/home/home.page.tsx';
import { ImportPage } from '../features/import/import.page.tsx';
import { InvitationsPage } from '../features/invitations/invitations.page.tsx';
import { MembersPage } from '../features/members/members.page.tsx';
import { OutboxPage } from '../features/outbox/outbox.page.tsx';
import { PeopleListPage, validatePeopleSearch } from '../features/people/people-list.page.tsx';
import { PersonDetailPage } from '../features/people/person-detail.page.tsx';
import { EditPersonPage, NewPersonPage } from '../features/people/person-form.page.tsx';
import { PermissionsPage } from '../features/permissions/permissions.page.tsx';
import { ConsentLinkPage } from '../features/privacy/consent-link.page.tsx';
import { PrivacySettingsPage } from '../features/privacy/privacy-settings.page.tsx';
import { PublicNoticePage } from '../features/privacy/public-notice.page.tsx';
import { RegisterPage } from '../features/privacy/register.page.tsx';
import { LegalHoldsPage } from '../features/privacy-erasure/legal-holds.page.tsx';
import { PublicRequestPage } from '../features/privacy-requests/public-request.page.tsx';
import { RequestDetailPage } from '../features/privacy-requests/request-detail.page.tsx';
import { RequestsInboxPage } from '../features/privacy-requests/requests-inbox.page.tsx';
import { ProjectDetailPage } from '../features/projects/project-detail.page.tsx';
import { EditProjectPage, NewProjectPage } from '../features/projects/project-form.page.tsx';
import { ProjectsPage, validateProjectsSearch } from '../features/projects/projects.page.tsx';
import { RetentionPage } from '../features/retention/retention.page.tsx';
import { SecurityPage } from '../features/security/security.page.tsx';
import { FirstRunPage } from '../features/setup/first-run.page.tsx';
import { SupportAccessPage } from '../features/support-access/support-access.page.tsx';
import { NewTaskPage, TaskPage } from '../features/tasks/task-form.page.tsx';
import { TasksPage, validateTasksSearch } from '../features/tasks/tasks.page.tsx';
import { TeamsPage } from '../features/teams/teams.page.tsx';
import { TrashPage } from '../features/trash/trash.page.tsx';
import { WebhooksPage } from '../features/webhooks/webhooks.page.tsx';
import { NewWorkspacePage } from '../features/workspaces/new-workspace.page.tsx';
import { WorkspaceSettingsPage } from '../features/workspaces/workspace-settings.page.tsx';
import { rememberedWorkspace, switchWorkspace } from '../features/workspaces/workspaces.api.ts';
import { ApiError } from '../lib/api.ts';
import { applyAccountLocale } from '../lib/i18n.ts';
import { NotFound, RouteError } from './errors.tsx';
import { queryClient, setGlobalErrorHandlers } from './query-client.ts';
import { Shell } from './shell.tsx';

type RouterContext = { queryClient: QueryClient };

/** Only same-site paths may be a redirect target. */
export function safeRedirect(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

async function loadSetup(qc: QueryClient): Promise<TSetup> {
  try {
    return await qc.ensureQueryData(setupQuery);
  } catch (err) {
    // An instance that cannot answer the setup question is not a first run.
    if (err instanceof ApiError) return { firstRun: false, mail: 'smtp' };
    throw err;
  }
}

async function loadMe(qc: QueryClient) {
  const me = await qc.ensureQueryData(meQuery);
  if (me) applyAccountLocale(me.locale);
  return me;
}

/** A new session starts with no active workspace: pick the last one used here, else the first. */
async function ensureActiveWorkspace(qc: QueryClient, me: TMe): Promise<TMe> {
  if (me.activeWorkspaceId || me.workspaces.length === 0) return me;
  const remembered = rememberedWorkspace();
  const pick = me.workspaces.find((w) => w.workspaceId === remembered) ?? me.workspaces[0];
  if (!pick) return me;
  try {
    await switchWorkspace(pick.workspaceId);
  } catch {
    return me;
  }
  await qc.invalidateQueries();
  return (await qc.fetchQuery(meQuery)) ?? me;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFound,
  errorComponent: RouteError,
});

const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/setup',
  beforeLoad: async ({ context }) => {
    const setup = await loadSetup(context.queryClient);
    if (!setup.firstRun) throw redirect({ to: '/' });
  },
  component: FirstRunPage,
});

/** Pages for people who are not signed in: a signed-in visitor goes on to where they were headed. */
async function guestOnly(context: RouterContext, target: string | undefined) {
  const setup = await loadSetup(context.queryClient);
  if (setup.firstRun) throw redirect({ to: '/setup' });
  const me = await loadMe(context.queryClient);
  if (me) throw redirect({ href: target ?? '/' });
}

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: (s: Record<string, unknown>): { redirect?: string; notice?: string } => ({
    redirect: safeRedirect(s.redirect),
    notice: str(s.notice),
  }),
  beforeLoad: ({ context, search }) => guestOnly(context, search.redirect),
  component: SignInPage,
});

const signUpRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-up',
  validateSearch: (s: Record<string, unknown>): { redirect?: string } => ({ redirect: safeRedirect(s.redirect) }),
  beforeLoad: ({ context, search }) => guestOnly(context, search.redirect),
  component: SignUpPage,
});

const forgotRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/forgot-password',
  component: ForgotPasswordPage,
});

const resetRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset-password',
  validateSearch: (s: Record<string, unknown>): { token?: string; error?: string } => ({
    token: str(s.token),
    error: str(s.error),
  }),
  component: ResetPasswordPage,
});

const inviteRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/invite/$token',
  component: InvitePage,
});

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: async ({ context, location }) => {
    const setup = await loadSetup(context.queryClient);
    if (setup.firstRun) throw redirect({ to: '/setup' });
    const me = await loadMe(context.queryClient);
    if (!me) throw redirect({ to: '/sign-in', search: { redirect: location.href } });
    return { me: await ensureActiveWorkspace(context.queryClient, me) };
  },
  component: Shell,
});

const homeRoute = createRoute({ getParentRoute: () => appRoute, path: '/', component: HomePage });
const newWorkspaceRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/workspaces/new',
  component: NewWorkspacePage,
});
const workspaceSettingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/workspace',
  component: WorkspaceSettingsPage,
});
const membersRoute = createRoute({ getParentRoute: () => appRoute, path: '/settings/members', component: MembersPage });
const invitationsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/invitations',
  component: InvitationsPage,
});
const teamsRoute = createRoute({ getParentRoute: () => appRoute, path: '/settings/teams', component: TeamsPage });
const securityRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/security',
  validateSearch: (s: Record<string, unknown>): { reason?: string } => ({ reason: str(s.reason) }),
  component: SecurityPage,
});
const accountRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/account',
  component: MyAccountPage,
});
const permissionsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/permissions',
  component: PermissionsPage,
});
const retentionRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/retention',
  component: RetentionPage,
});
const supportAccessRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/support-access',
  component: SupportAccessPage,
});
const apiKeysRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/api-keys',
  component: ApiKeysPage,
});
const webhooksRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/webhooks',
  component: WebhooksPage,
});
const auditRoute = createRoute({ getParentRoute: () => appRoute, path: '/settings/audit', component: AuditPage });
const outboxRoute = createRoute({ getParentRoute: () => appRoute, path: '/settings/outbox', component: OutboxPage });
const customFieldsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/custom-fields',
  component: CustomFieldsPage,
});
const dataMapRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/data-map',
  component: DataMapPage,
});
// Purposes, the notice and the register (admins); the pages behind consent email links (no sign-in).
const privacySettingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/privacy',
  component: PrivacySettingsPage,
});
const registerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/privacy/register',
  component: RegisterPage,
});
const consentConfirmRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/consent/confirm',
  component: () => <ConsentLinkPage action="confirm" />,
});
const consentWithdrawRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/consent/withdraw',
  component: () => <ConsentLinkPage action="withdraw" />,
});
const publicNoticeRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/privacy/$workspaceId/notice',
  component: PublicNoticePage,
});
const legalHoldsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/settings/legal-holds',
  component: LegalHoldsPage,
});

const peopleRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/people',
  validateSearch: validatePeopleSearch,
  component: PeopleListPage,
});
const newPersonRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/people/new',
  validateSearch: (s: Record<string, unknown>): { companyId?: string; companyName?: string } => ({
    companyId: str(s.companyId),
    companyName: str(s.companyName),
  }),
  component: NewPersonPage,
});
const duplicatesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/people/duplicates',
  component: DuplicatesPage,
});
const mergeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/people/merge',
  validateSearch: (s: Record<string, unknown>): { a?: string; b?: string } => ({ a: str(s.a), b: str(s.b) }),
  component: MergePage,
});
const companyDuplicatesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/companies/duplicates',
  component: CompanyDuplicatesPage,
});
const companyMergeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/companies/merge',
  validateSearch: (s: Record<string, unknown>): { a?: string; b?: string } => ({ a: str(s.a), b: str(s.b) }),
  component: CompanyMergePage,
});
const personRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/people/$personId',
  component: PersonDetailPage,
});
const editPersonRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/people/$personId/edit',
  component: EditPersonPage,
});
const companiesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/companies',
  validateSearch: validateCompaniesSearch,
  component: CompaniesListPage,
});
const newCompanyRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/companies/new',
  component: NewCompanyPage,
});
const companyRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/companies/$companyId',
  component: CompanyDetailPage,
});
const editCompanyRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/companies/$companyId/edit',
  component: EditCompanyPage,
});
const dealsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/deals',
  validateSearch: validateDealsSearch,
  component: DealsPage,
});
const newDealRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/deals/new',
  validateSearch: (s: Record<string, unknown>): { pipelineId?: string } => ({ pipelineId: str(s.pipelineId) }),
  component: NewDealPage,
});
const dealRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/deals/$dealId',
  component: DealDetailPage,
});
const editDealRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/deals/$dealId/edit',
  component: EditDealPage,
});
const trashRoute = createRoute({ getParentRoute: () => appRoute, path: '/trash', component: TrashPage });
const importRoute = createRoute({ getParentRoute: () => appRoute, path: '/people/import', component: ImportPage });

const tasksRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/tasks',
  validateSearch: validateTasksSearch,
  component: TasksPage,
});
const newTaskRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/tasks/new',
  validateSearch: (
    s: Record<string, unknown>,
  ): { personId?: string; companyId?: string; dealId?: string; projectId?: string } => ({
    personId: str(s.personId),
    companyId: str(s.companyId),
    dealId: str(s.dealId),
    projectId: str(s.projectId),
  }),
  component: NewTaskPage,
});
const taskRoute = createRoute({ getParentRoute: () => appRoute, path: '/tasks/$taskId', component: TaskPage });
const projectsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/projects',
  validateSearch: validateProjectsSearch,
  component: ProjectsPage,
});
const newProjectRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/projects/new',
  component: NewProjectPage,
});
const projectRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/projects/$projectId',
  component: ProjectDetailPage,
});
const editProjectRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/projects/$projectId/edit',
  component: EditProjectPage,
});

// Requests from data subjects: the staff inbox, and the public page (no sign-in).
const privacyRequestsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/privacy-requests',
  component: RequestsInboxPage,
});
const privacyRequestRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/privacy-requests/$requestId',
  component: RequestDetailPage,
});
const publicPrivacyRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/privacy/$workspaceId',
  component: PublicRequestPage,
});

const routeTree = rootRoute.addChildren([
  setupRoute,
  signInRoute,
  signUpRoute,
  forgotRoute,
  resetRoute,
  inviteRoute,
  publicPrivacyRoute,
  consentConfirmRoute,
  consentWithdrawRoute,
  publicNoticeRoute,
  appRoute.addChildren([
    homeRoute,
    peopleRoute,
    newPersonRoute,
    importRoute,
    duplicatesRoute,
    mergeRoute,
    companyDuplicatesRoute,
    companyMergeRoute,
    personRoute,
    editPersonRoute,
    companiesRoute,
    newCompanyRoute,
    companyRoute,
    editCompanyRoute,
    dealsRoute,
    newDealRoute,
    dealRoute,
    editDealRoute,
    tasksRoute,
    newTaskRoute,
    taskRoute,
    projectsRoute,
    newProjectRoute,
    projectRoute,
    editProjectRoute,
    trashRoute,
    newWorkspaceRoute,
    workspaceSettingsRoute,
    membersRoute,
    invitationsRoute,
    teamsRoute,
    securityRoute,
    accountRoute,
    auditRoute,
    permissionsRoute,
    apiKeysRoute,
    retentionRoute,
    supportAccessRoute,
    webhooksRoute,
    outboxRoute,
    dataMapRoute,
    privacyRequestsRoute,
    privacyRequestRoute,
    privacySettingsRoute,
    registerRoute,
    customFieldsRoute,
    legalHoldsRoute,
  ]),
]);

export const router = createRouter({
  routeTree,
  context: { queryClient },
  defaultPreload: false,
  scrollRestoration: true,
});

setGlobalErrorHandlers({
  onTwoFactorRequired: () => {
    void router.navigate({ to: '/settings/security', search: { reason: 'two_factor_required' } });
  },
  onNoWorkspace: () => {
    // The session lost its workspace (e.g. it was left or deleted): pick one again from the start.
    queryClient.removeQueries({ queryKey: meQuery.queryKey });
    void router.navigate({ to: '/' });
  },
  onSignedOut: () => {
    queryClient.setQueryData(meQuery.queryKey, null);
    const here = router.state.location.href;
    if (!here.startsWith('/sign-in')) void router.navigate({ to: '/sign-in', search: { redirect: here } });
  },
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
