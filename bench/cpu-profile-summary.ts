// Sums a .cpuprofile (bench/cpu-profile-preload.mjs writes them) by function: self time, and total
// time (self plus callees, each function counted once per sample), the top rows of each. The
// profile samples wall time while the process runs JavaScript or a system call: on a busy machine a
// call that lets the scheduler switch away (a socket write) looks longer than the CPU it used.
// Run: npx tsx bench/cpu-profile-summary.ts FILE.cpuprofile [rows]   (default 30 rows)
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const [file, rowsArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/cpu-profile-summary.ts FILE.cpuprofile [rows]');
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

function nameOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(node_modules|dist|src)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
}

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((sample, i) => {
  // A sample lasts until the next one.
  const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  all += ms;
  const leaf = nameOf(nodes.get(sample)!);
  self.set(leaf, (self.get(leaf) ?? 0) + ms);
  const seen = new Set<string>();
  for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
    const key = nameOf(nodes.get(id)!);
    if (seen.has(key)) continue;
    seen.add(key);
    total.set(key, (total.get(key) ?? 0) + ms);
  }
});

for (const [title, map] of [['self time', self], ['total time', total]] as const) {
  console.log(`\n${title} (of ${all.toFixed(0)} ms sampled)`);
  for (const [key, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / all).toFixed(1).padStart(5)}%  ${key}`);
  }
}
