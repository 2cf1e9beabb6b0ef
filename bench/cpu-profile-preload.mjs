// Preloaded into a process (NODE_OPTIONS=--import) to write a CPU profile of it when it exits:
// Node 20 refuses --cpu-prof in NODE_OPTIONS, and the bench starts the server through bin/slipway.
// The profile goes to $SLIPWAY_CPU_PROFILE_DIR/<pid>.cpuprofile (open it in Chrome's DevTools).
// SIGUSR2 starts it again from nothing: a bench profiles one phase (not the start-up before it).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const dir = process.env.SLIPWAY_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  const write = () => session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(`${dir}/${process.pid}.cpuprofile`, JSON.stringify(result.profile));
  });
  process.on('SIGUSR2', () => session.post('Profiler.stop', () => session.post('Profiler.start')));
  process.once('SIGTERM', () => {
    write();
    // The profile is written synchronously in the callback above; then stop as asked.
    setTimeout(() => process.exit(0), 200);
  });
}
