/** How a person is called on screen: "deleted user" for an account an administrator deleted (as Mattermost does). */
export const DELETED_USER = "deleted user";

export function shownName(person: { username: string; displayName: string | null; deleted?: true }): string {
  return person.deleted ? DELETED_USER : (person.displayName ?? person.username);
}

/** The person as a name-showing component takes them: a deleted account's display name is "deleted user". */
export function shownPerson<T extends { username: string; displayName: string | null; deleted?: true }>(person: T): T {
  return person.deleted ? { ...person, displayName: DELETED_USER } : person;
}
