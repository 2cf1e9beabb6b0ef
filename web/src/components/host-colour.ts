// A steady colour per host name, so that lines of one host are easy to follow in a mixed log.

const hues = [205, 150, 35, 285, 340, 95, 180, 20, 250, 120, 310, 60];

/** The hue (0–360) for a host: the same name always gets the same one. */
export function hostHue(host: string): number {
  let hash = 0;
  for (let i = 0; i < host.length; i++) hash = (hash * 31 + host.charCodeAt(i)) >>> 0;
  return hues[hash % hues.length]!;
}
