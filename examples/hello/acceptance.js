// Acceptance test: every host of the environment answers with a greeting and is healthy.
const targets = (process.env.SLIPWAY_TARGETS ?? '').split(',').filter(Boolean);
if (targets.length === 0) throw new Error('SLIPWAY_TARGETS is empty');
for (const target of targets) {
  const health = await fetch(`${target}/healthz`);
  if (!health.ok) throw new Error(`${target}/healthz answered ${health.status}`);
  const body = await (await fetch(target)).text();
  if (!body.startsWith('hello from')) throw new Error(`${target} answered "${body.trim()}"`);
  console.log(`${target}: ${body.trim()}`);
}
