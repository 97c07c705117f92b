/** A person who can sign in at the dev IdP; every field becomes a claim of the same meaning. */
export interface DemoUser {
  /** What the login page and `--dev-user` take; also the `preferred_username` claim. */
  username: string;
  /** The stable subject identifier (`sub`), deliberately not the username. */
  sub: string;
  email: string;
  emailVerified: boolean;
  name: string;
  groups: string[];
}

/** The password the login page accepts for every demo user. */
export const DEMO_PASSWORD = 'tether';

function demoUser(username: string, displayName: string, groups: string[]): DemoUser {
  return {
    username,
    sub: `dev-user-${username}`,
    email: `${username}@example.com`,
    emailVerified: true,
    name: displayName,
    groups,
  };
}

/** The demo people of `npm start` and the tests: one per kind of access the policy grants. */
export const DEFAULT_DEMO_USERS: readonly DemoUser[] = Object.freeze([
  demoUser('alice', 'alice', ['platform-admins']),
  demoUser('bob', 'bob', ['developers']),
  demoUser('carol', 'carol', ['security-auditors']),
]);
