// The Store's port for the people and their tokens, identities and grants.
// Part of the Store port: import it from store.ts, which re-exports it.
import type { User, UserToken } from '../core/model.ts';
import type { Grant } from '../core/access/roles.ts';

/** A user with what they may do, as found by one of their tokens. */
export interface UserWithGrants extends User {
  /** The user's own grants and those the token carries (a sign-in's), each once. */
  grants: Grant[];
  /** The token they were found by. */
  token: { id: string; expiresAt: number | null };
}

/** A token to store: its hash, and for a web session its end and the grants it carries. */
export interface NewUserToken {
  id: string;
  tokenHash: string;
  /** When it stops working; absent or null: until revoked. */
  expiresAt?: number | null;
  /** Grants of this token alone (a sign-in's, from the provider's groups); they go with it. */
  grants?: readonly Grant[];
}

/** Who a user is at an identity provider: its issuer and the subject it gives them. */
export interface UserIdentity {
  issuer: string;
  subject: string;
}

export interface UserStore {
  /**
   * Adds a user with their first token, tied to `identity` when given. Throws ConflictError
   * (SLIPWAY_USER_EXISTS) when the name is taken (or the identity has a user already).
   */
  create(user: { name: string; email: string | null; identity?: UserIdentity }, token: NewUserToken, at: number): Promise<User>;
  getByName(name: string): Promise<User | undefined>;
  /** The user tied to this identity at a provider; undefined when nobody signed in as it yet. */
  getByIdentity(identity: UserIdentity): Promise<User | undefined>;
  /** Changes the user's email (a provider's sign-in says what it is now). */
  setEmail(id: string, email: string | null): Promise<void>;
  /** Every user, by name. */
  list(): Promise<User[]>;
  /** Removes the user with their tokens (and the grants these carry) and grants. Returns false when there was no such user. */
  remove(id: string): Promise<boolean>;
  /**
   * The user whose token has this hash and is neither revoked nor expired at `at`, with their
   * grants and the token's own; undefined otherwise.
   */
  getByTokenHash(tokenHash: string, at: number): Promise<UserWithGrants | undefined>;
  /** Adds a token for the user. */
  addToken(userId: string, token: NewUserToken, at: number): Promise<UserToken>;
  getToken(id: string): Promise<UserToken | undefined>;
  /** The user's tokens, oldest first, revoked ones too. */
  tokens(userId: string): Promise<UserToken[]>;
  /** Revokes a token from now on. Returns false when there is no such token or it was already revoked. */
  revokeToken(id: string, at: number): Promise<boolean>;
  /** Gives a role; returns false when the user already had this very grant. */
  grant(userId: string, grant: Grant, at: number): Promise<boolean>;
  /** Takes a grant back (the same role, project and env); returns false when the user did not have it. */
  revoke(userId: string, grant: Grant): Promise<boolean>;
  /** The user's grants, by role, project and env. */
  grants(userId: string): Promise<Grant[]>;
}
