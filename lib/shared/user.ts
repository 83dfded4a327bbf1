/** A person as every other person (and the browser) sees them: no credentials, no flags. */
export type User = { id: string; username: string; displayName: string };
