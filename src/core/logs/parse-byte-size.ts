// Sizes as people write them on the command line: "2GiB", "500MB", "512M", "1.5G", "1048576".

const units: Record<string, number> = {
  '': 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};
const pattern = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/**
 * Parses a size into bytes, or returns undefined when the text is not one. KB, MB, GB and TB are
 * powers of 1000; KiB, MiB, GiB, TiB and the bare K, M, G, T are powers of 1024 (as in `2G`).
 */
export function parseByteSize(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match) return undefined;
  const unit = units[match[2]!.toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(match[1]) * unit);
}
