// The few words the header shows for what the signed-in person may do: "admin", "viewer",
// "deployer in hello/testing", from their grants (each grant covers what the roles before it do).
import type { WhoAmIAnswer } from '../../../src/core/api/answers.ts';

export function roleSummary(me: Pick<WhoAmIAnswer, 'name' | 'kind' | 'grants'>): string {
  if (me.kind === 'admin') return 'admin';
  if (me.grants.length === 0) return 'no role';
  const words = me.grants.map((g) => {
    if (g.project === null && g.env === null) return g.role;
    return `${g.role} in ${g.project ?? 'every project'}${g.env === null ? '' : `/${g.env}`}`;
  });
  return [...new Set(words)].join(', ');
}
