// Follows something through the events stream: on each (re)connection and on each event that
// concerns it, fetches it again and hands the fresh state on, until the state says it is over.
import { errorMessage, SlipwayError } from '../../base/errors.ts';
import type { SlipwayEvent } from '../../core/model.ts';
import { followEvents, type EventFilter, type EventServer } from './event-stream.ts';

export interface ProgressSubject<T> {
  /** The events to listen to. */
  filter: EventFilter;
  /** Reads the current state from the API. */
  fetch(): Promise<T>;
  /** Whether an event may change what fetch returns (default: every event of the filter). */
  concerns?(event: SlipwayEvent, latest: T | undefined): boolean;
  /** Takes each fresh state; returns true when following should stop there. */
  update(state: T): boolean;
}

/**
 * Resolves with the state that ended the following (update returned true), or undefined when
 * `signal` aborted first. Fetches never overlap: events that arrive during one are answered by
 * one more fetch after it, so the last state seen is never older than the last event.
 * Rejects with the stream's or a fetch's error (a server that stays unreachable, a 404).
 */
export function followProgress<T>(server: EventServer, subject: ProgressSubject<T>, signal?: AbortSignal): Promise<T | undefined> {
  const stop = new AbortController();
  return new Promise<T | undefined>((resolve, reject) => {
    let latest: T | undefined;
    let fetching = false;
    let again = false;
    let over = false;
    const end = (error: Error | undefined, state?: T) => {
      if (over) return;
      over = true;
      stop.abort();
      signal?.removeEventListener('abort', aborted);
      if (error) reject(error);
      else resolve(state);
    };
    const aborted = () => end(undefined);
    const refresh = () => {
      if (over) return;
      if (fetching) {
        again = true;
        return;
      }
      fetching = true;
      void subject.fetch()
        .then((state) => {
          latest = state;
          if (!over && subject.update(state)) end(undefined, state);
        }, (err: unknown) => {
          // A server that went away is the stream's to notice: its reconnection fetches again.
          if (!(err instanceof SlipwayError && err.code === 'SLIPWAY_SERVER_UNREACHABLE')) end(asError(err));
        })
        .finally(() => {
          fetching = false;
          if (again) {
            again = false;
            refresh();
          }
        });
    };
    if (signal?.aborted) return end(undefined);
    signal?.addEventListener('abort', aborted);
    followEvents(server, {
      filter: subject.filter,
      signal: stop.signal,
      onOpen: refresh,
      onEvent: (event) => {
        if (!subject.concerns || subject.concerns(event, latest)) refresh();
      },
    }).then(() => end(undefined), (err: unknown) => end(asError(err)));
  });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(errorMessage(err));
}
