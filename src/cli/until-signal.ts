// Waiting for the operator (or a supervisor) to stop a long-running command.

/**
 * Resolves on the first SIGINT or SIGTERM. Later signals are ignored, so that a second one (Ctrl-C
 * reaches a whole process group; a supervisor may signal again) cannot cut the shutdown short.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolvePromise) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (!received) resolvePromise(signal);
      received = true;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
