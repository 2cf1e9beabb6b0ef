// The Store's port for the projects' secrets, sealed, project-wide or per environment.
// Part of the Store port: import it from store.ts, which re-exports it.

/** A secret as stored: its value sealed by the server (the store never sees the plaintext). */
export interface StoredSecret {
  projectId: string;
  /** The environment it is for; null: every environment of the project. */
  env: string | null;
  name: string;
  /** Build jobs get it too. */
  build: boolean;
  ciphertext: string;
  updatedAt: number;
}

export interface SecretStore {
  /**
   * Stores a secret, or replaces the one with the same project, env and name (its build flag and
   * ciphertext change). Returns whether it was new. Throws when the project is not stored.
   */
  put(secret: Omit<StoredSecret, 'updatedAt'>, at: number): Promise<{ created: boolean }>;
  /** The project's secrets by name, the project-wide one before those of environments (by env). */
  list(projectId: string): Promise<StoredSecret[]>;
  /** Every project's secrets (what the server masks in logs), in no particular order. */
  listAll(): Promise<StoredSecret[]>;
  /** Removes one; returns whether it was stored. */
  remove(projectId: string, env: string | null, name: string): Promise<boolean>;
}
