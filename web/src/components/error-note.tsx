// A problem the page ran into, said plainly where the content would be.
import type { ApiError } from '../api/api-client.ts';

export function ErrorNote({ error, what }: { error: ApiError; what: string }) {
  return (
    <div className="note tone-fail" role="alert">
      <strong>Could not load {what}.</strong> {error.message}
      {error.code && <code className="note-code">{error.code}</code>}
    </div>
  );
}
