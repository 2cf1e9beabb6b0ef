// The names Slipway writes into HAProxy's runtime API (a backend, a server in it) and how a host's
// server name is made from slipway.yml's `server:` template. HAProxy's runtime API is a line of
// words where ";" separates commands, so anything but HAProxy's own name characters could smuggle a
// second command in: names are checked here, in core, for the config, the protocol and the agent.

/** HAProxy's own rule for proxy and server names: letters, digits, "-", "_", "." and ":". */
export const HAPROXY_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/;

/** The placeholder of `server:` that stands for the Slipway host name. */
export const HOST_PLACEHOLDER = '{host}';

/** A `server:` template: HAProxy name characters with any number of `{host}` in them. */
export function isServerTemplate(template: string): boolean {
  return template.length <= 100 && HAPROXY_NAME_PATTERN.test(template.replaceAll(HOST_PLACEHOLDER, 'h'));
}

/**
 * The server name of `host` in the backend: the template with every `{host}` replaced. Host names
 * (letters, digits, ".", "_", "-") and a valid template always make a valid HAProxy name, unless
 * the result is longer than 100 characters: then undefined, and the caller says so.
 */
export function lbServerName(template: string, host: string): string | undefined {
  const name = template.replaceAll(HOST_PLACEHOLDER, host);
  return HAPROXY_NAME_PATTERN.test(name) ? name : undefined;
}
