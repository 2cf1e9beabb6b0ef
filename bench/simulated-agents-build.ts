// bench/simulated-agents.ts bundled into one plain JavaScript file, so that the fleet benches start
// its processes with plain node: started through tsx, each process spent about 0.9 s of CPU
// compiling and loading before its first enrollment (3-4 s for the four, on the two cores the
// server shares), counted in "all enrolled" although a real fleet's agents start on their own hosts.
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

let built: string | undefined;

/** The path of the bundled script, built at the first call (in a temp dir removed when this process exits). */
export function simulatedAgentsScript(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'slipway-simulated-agents-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const outfile = join(dir, 'simulated-agents.mjs');
  buildSync({
    entryPoints: [resolve(import.meta.dirname, 'simulated-agents.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    // As scripts/build.ts bundles ws for the agent: its CommonJS requires Node's modules.
    banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" },
    define: { 'process.env.WS_NO_BUFFER_UTIL': '"1"', 'process.env.WS_NO_UTF_8_VALIDATE': '"1"' },
  });
  built = outfile;
  return built;
}
