// Testing's verify step: every host of the environment is healthy and lists at least one item.
const targets = (process.env.SLIPWAY_TARGETS ?? '').split(',').filter(Boolean);
if (targets.length === 0) throw new Error('SLIPWAY_TARGETS is empty');
for (const target of targets) {
  const health = await fetch(`${target}/healthz`);
  if (!health.ok) throw new Error(`${target}/healthz answered ${health.status}: ${(await health.text()).trim()}`);
  const { version, items } = await (await fetch(`${target}/items`)).json();
  if (!Array.isArray(items) || items.length === 0) throw new Error(`${target}/items listed no item`);
  console.log(`${target}: inventory ${version}, ${items.length} item(s), first ${JSON.stringify(items[0])}`);
}
