// What `loadBalancer:` costs a rollout: the time one host's batch takes (batch 1) without it
// (activate → health) and with it (drain → activate → health → ready, through a real HAProxy and an
// LB agent), and where the extra time goes. Three hosts with their own addresses (network
// namespaces), HAProxy in front (checks every 200 ms, rise 2), an LB agent on its stats socket and
// a runner, as in test/lb-rollout.e2e.test.ts. Each round commits a new version twice: once with
// slipway.yml's production environment without `loadBalancer:` and once with it (drain: 30s), so
// both kinds alternate on the same machine state. Times come from the deployment's `deployment.host`
// events. Without `--load` nothing sends requests, so a drain has no session to wait for; with it,
// a light load (2 clients with a fresh connection per request, 2 on keep-alive, each pausing 20 ms
// between requests) goes through HAProxy during every deployment.
// Run as root: npx tsx bench/lb-batch.bench.ts [rounds=3] [--load]
import type { SlipwayEvent } from '../src/core/model.ts';
import { haproxyUnavailableReason, type HaproxyProcess } from '../test/support/haproxy-process.ts';
import { LbTestGround, lbSlipwayYml } from '../test/support/lb-test-ground.ts';
import type { LoadCounts, LoadGenerator } from '../test/support/load-generator.ts';
import { netnsUnavailableReason } from '../test/support/netns-hosts.ts';
import { productionOnlyConfig } from '../test/support/production-only-config.ts';
import { events, median, ms, waitForRunEnd, type RunDetail } from './bench-support.ts';

const args = process.argv.slice(2);
const withLoad = args.includes('--load');
const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const modes = ['plain', 'lb'] as const;
type Mode = (typeof modes)[number];

/** One host's batch: the time of each step it went through, from the deployment's events. */
interface HostTimes {
  /** First step of the batch (draining, or activating without a load balancer) until its last (ready, or healthy). */
  batch: number;
  drain: number;
  activateAndHealth: number;
  /** From healthy until HAProxy's checks see the server up again (readying → ready). */
  ready: number;
  /** Whether HAProxy's checks took the server DOWN during the deployment (they noticed the restart). */
  wentDown: boolean;
}

const unavailable = netnsUnavailableReason() ?? haproxyUnavailableReason();
if (unavailable) {
  console.error(`lb-batch bench: cannot run here: ${unavailable} (it makes network namespaces and runs HAProxy: run it as root)`);
  process.exit(1);
}

const slipwayYml = (mode: Mode, socket: string) => mode === 'plain'
  ? productionOnlyConfig({ healthTimeout: '10s', batch: 1, port: 8080 })
  : lbSlipwayYml(socket, '30s');

// The ground of test/lb-rollout.e2e.test.ts, but with HAProxy's default retries (3, with
// redispatch), and the first version deployed without `loadBalancer:`.
const ground = new LbTestGround({
  name: 'bench-lb-batch',
  haproxy: { backendLines: [] },
  editRepo: (fleet) => fleet.editFile('slipway.yml', () => slipwayYml('plain', ground.haproxy.socketPath)),
});
const { names } = ground;
let load: LoadGenerator | undefined;
// The ground stops everything this run started (its load too) also on Ctrl-C.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void ground.tearDown().finally(() => process.exit(1)));
try {
  await ground.start();
  const { fleet: f, haproxy } = ground;
  const { socketPath } = haproxy;
  succeeded(await waitForRunEnd(f, 'hello', 1, 180_000));
  await haproxy.waitUntilAllUp();

  const times: Record<Mode, HostTimes[]> = { plain: [], lb: [] };
  const totals: Record<Mode, number[]> = { plain: [], lb: [] };
  const requests: Record<Mode, { sent: number; failed: number; seconds: number }> = { plain: { sent: 0, failed: 0, seconds: 0 }, lb: { sent: 0, failed: 0, seconds: 0 } };
  let run = 1;
  for (let round = 1; round <= rounds; round++) {
    for (const mode of modes) {
      const downBefore = await downTransitions(haproxy);
      if (withLoad) load = await ground.startLoad({ freshClients: 2, keepAliveClients: 2, pauseMs: 20, deadlineMs: 180_000 });
      f.commit(`Round ${round}, ${mode}`, () => {
        f.editFile('slipway.yml', () => slipwayYml(mode, socketPath));
        f.editFile('server.js', (t) => `${t}// round ${round}, ${mode}\n`);
      });
      const deployment = succeeded(await waitForRunEnd(f, 'hello', ++run, 180_000));
      if (load) {
        const counts: LoadCounts = await load.stop();
        load = undefined;
        requests[mode].sent += counts.sent;
        requests[mode].failed += counts.sent - counts.ok;
        requests[mode].seconds += counts.elapsedMs / 1000;
      }
      const downAfter = await downTransitions(haproxy);
      const hostTimes = timesOf(await events(f, `deployment=${deployment.id}`), mode === 'lb', (host) => downAfter.get(host)! > downBefore.get(host)!);
      times[mode].push(...hostTimes);
      totals[mode].push(deployment.finishedAt! - deployment.createdAt);
      const steps = (h: HostTimes) => `${mode === 'lb' ? ` (${h.drain} + ${h.activateAndHealth} + ${h.ready})` : ''}${h.wentDown ? ' DOWN' : ''}`;
      console.log(`round ${round} ${mode.padEnd(5)} run #${run}: batches ${hostTimes.map((h) => `${ms(h.batch)}${steps(h)}`).join(', ')}; deployment ${ms(deployment.finishedAt! - deployment.createdAt)}`);
      // Every round starts with every server UP: a restart without draining may have had one DOWN.
      await haproxy.waitUntilAllUp();
    }
  }
  report(times, totals, requests);
} finally {
  await ground.tearDown();
}

/** The run's production deployment, which must have succeeded on every host. */
function succeeded(run: RunDetail): RunDetail['deployments'][number] {
  const deployment = run.deployments[0];
  if (run.status !== 'succeeded' || !deployment) throw new Error(`run #${run.number} ${run.status}: ${run.error ?? deployment?.error ?? ''}`);
  return deployment;
}

/** Each host's step times, from the `deployment.host` events (step and host in their data). */
function timesOf(list: SlipwayEvent[], lb: boolean, wentDown: (host: string) => boolean): HostTimes[] {
  return names.map((host) => {
    const at = (step: string) => {
      const event = list.find((e) => e.kind === 'deployment.host' && e.data.host === host && e.data.step === step);
      if (!event) throw new Error(`no "${host} ${step}" event in the deployment`);
      return event.at;
    };
    const activating = at('activating');
    const healthy = at('healthy');
    const start = lb ? at('draining') : activating;
    const end = lb ? at('ready') : healthy;
    return { batch: end - start, drain: activating - start, activateAndHealth: healthy - activating, ready: end - healthy, wentDown: wentDown(host) };
  });
}

/** How often HAProxy's checks have taken each server of the backend from UP to DOWN (`chkdown` of `show stat`). */
async function downTransitions(lb: HaproxyProcess): Promise<Map<string, number>> {
  const [header, ...rows] = (await lb.runtime.send(`show stat ${lb.backend} 4 -1`)).trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const cells = rows.map((row) => row.split(','));
  return new Map(cells.map((c) => [c[columns.indexOf('svname')]!, Number(c[columns.indexOf('chkdown')])]));
}

function report(times: Record<Mode, HostTimes[]>, totals: Record<Mode, number[]>, requests: Record<Mode, { sent: number; failed: number; seconds: number }>): void {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const stat = (values: number[]) => `median ${ms(median(values))} (min ${ms(Math.min(...values))}, max ${ms(Math.max(...values))}, mean ${ms(mean(values))})`;
  const of = (mode: Mode, key: Exclude<keyof HostTimes, 'wentDown'>) => times[mode].map((t) => t[key]);
  console.log(`\nper-host batch time, 3 hosts, batch 1, ${rounds} deployments of each kind (${times.plain.length} batches each); ` +
    `HAProxy checks every 200 ms, rise 2, fall 2; drain: 30s; ${withLoad ? 'light load through HAProxy (2 fresh + 2 keep-alive clients)' : 'idle: no load, so a drain has no session to wait for'}`);
  console.log(`without loadBalancer: batch ${stat(of('plain', 'batch'))}; activate+health ${stat(of('plain', 'activateAndHealth'))}`);
  console.log(`with loadBalancer:    batch ${stat(of('lb', 'batch'))}`);
  console.log(`  drain (draining → activating):  ${stat(of('lb', 'drain'))}`);
  console.log(`  activate+health:                ${stat(of('lb', 'activateAndHealth'))}`);
  console.log(`  ready (healthy → ready, UP):    ${stat(of('lb', 'ready'))}`);
  console.log(`difference: ${ms(median(of('lb', 'batch')) - median(of('plain', 'batch')))} per batch between the medians; ` +
    `${ms(mean(of('lb', 'batch')) - mean(of('plain', 'batch')))} between the means = drain ${ms(mean(of('lb', 'drain')))} + ready ${ms(mean(of('lb', 'ready')))} ` +
    `+ activate+health ${ms(mean(of('lb', 'activateAndHealth')) - mean(of('plain', 'activateAndHealth')))}`);
  console.log(`whole deployment (created → finished): without ${stat(totals.plain)}, with ${stat(totals.lb)}`);
  const down = times.lb.filter((t) => t.wentDown).map((t) => t.ready);
  const up = times.lb.filter((t) => !t.wentDown).map((t) => t.ready);
  console.log(`HAProxy's checks saw the restart (server DOWN) in ${times.plain.filter((t) => t.wentDown).length} of ${times.plain.length} batches without loadBalancer, ` +
    `${down.length} of ${times.lb.length} with it; ready took ${down.length ? stat(down) : '-'} after a DOWN, ${up.length ? stat(up) : '-'} when the server stayed UP`);
  const counted = (r: { sent: number; failed: number; seconds: number }) => `${r.failed} of ${r.sent} (${Math.round(r.sent / r.seconds)}/s)`;
  if (withLoad) console.log(`requests through HAProxy not answered 2xx: without loadBalancer ${counted(requests.plain)}, with it ${counted(requests.lb)} (HAProxy retries 3 with redispatch)`);
}
