// Zod schemas of the account API (sign-up, first run, my account). Shared by server and web.
export {};
