/**
 * A person as every other person (and the browser) sees them: no credentials. `isAdmin`:
 * a site admin (the first account, or granted); `isBot`: an integration's account.
 */
export type User = {
  id: string;
  username: string;
  displayName: string;
  isAdmin?: boolean;
  isBot?: boolean;
};
