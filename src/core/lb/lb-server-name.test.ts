// Tests of HAProxy names: a host's server name from the `server:` template, and what may not be one.
import { describe, expect, it } from 'vitest';
import { isServerTemplate, lbServerName } from './lb-server-name.ts';

describe('lbServerName', () => {
  it('puts the host name wherever the template says {host}', () => {
    expect(lbServerName('{host}', 'web-1')).toBe('web-1');
    expect(lbServerName('app-{host}:8080', 'web-1.dc2')).toBe('app-web-1.dc2:8080');
    expect(lbServerName('static', 'web-1')).toBe('static');
  });

  it('gives nothing for a name HAProxy could not have, or one over 100 characters', () => {
    expect(lbServerName('{host}', 'web 1')).toBeUndefined();
    expect(lbServerName('{host}', 'web-1;show info')).toBeUndefined();
    expect(lbServerName('x{host}', 'h'.repeat(100))).toBeUndefined();
  });
});

describe('isServerTemplate', () => {
  it('takes HAProxy name characters with {host} in them, and nothing that could end a command', () => {
    for (const ok of ['{host}', 'app-{host}', '{host}.{host}', 'web_1:80']) expect(isServerTemplate(ok)).toBe(true);
    for (const bad of ['', '{host} ', '{host};disable server shop/web-1', '{host}\nshow info', '{hostname}', 'a/b']) expect(isServerTemplate(bad)).toBe(false);
  });
});
