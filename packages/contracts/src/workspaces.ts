// Zod schemas of the workspace API (workspaces, members, invitations, teams). Shared by server and web.
export {};
