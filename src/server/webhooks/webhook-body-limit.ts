// How large a push webhook body the route reads before refusing it (HTTP 413).

/**
 * 1 MiB: a push payload lists at most 20 commits, and its signature can only be checked after
 * the whole body is read, so an unauthenticated sender must not make the server hold more.
 * A push whose payload is larger (commits touching thousands of files) is still found by the
 * next poll of the mirror.
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
