// Repository URLs as projects give them: which forms git may be handed, and how to show one
// without the credentials it may carry.

const urlSchemes = new Set(['https:', 'http:', 'ssh:', 'git:', 'file:']);
// user@host:path, the scp-like form ssh remotes use (git@github.com:team/app.git).
const scpLike = /^(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9][A-Za-z0-9.-]*:(?!\/\/)\S+$/;
// eslint-disable-next-line no-control-regex -- control characters never belong in a URL
const unsafeChars = /[\s\x00-\x1f\x7f]/;

/**
 * Says what is wrong with a repository URL, or undefined when git may be given it. Accepted:
 * https, http, ssh, git and file URLs, the scp-like `user@host:path`, and absolute local paths.
 * Refused: anything that could be read as an option (leading "-"), whitespace or control
 * characters, and git's `<transport>::<address>` remote-helper syntax (`ext::` runs commands).
 */
export function checkRepoUrl(url: string): string | undefined {
  if (url === '') return 'the repository URL is empty';
  if (url.startsWith('-')) return 'a repository URL may not start with "-"';
  if (unsafeChars.test(url)) return 'a repository URL may not contain spaces or control characters';
  if (url.includes('::')) return 'remote-helper URLs ("transport::address") are not allowed';
  if (url.startsWith('/')) return undefined;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'the repository URL cannot be parsed';
    }
    if (!urlSchemes.has(parsed.protocol)) {
      return `the scheme "${parsed.protocol.slice(0, -1)}" is not allowed (use https, http, ssh, git or file)`;
    }
    if (parsed.protocol !== 'file:' && parsed.hostname === '') return 'the repository URL has no host';
    return undefined;
  }
  if (scpLike.test(url)) return undefined;
  return 'expected a URL (https://host/team/app.git), user@host:path, or an absolute path';
}

/**
 * The URL as it may be shown in logs, errors and the UI: a password in an http(s) URL becomes
 * "***", and so does a lone user name there (tokens are often given as the user name).
 */
export function redactRepoUrl(url: string): string {
  if (!/^https?:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    else if (parsed.username !== '') parsed.username = '***';
    else return url;
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * `text` (e.g. git's stderr) with every appearance of the URL and of its credentials replaced
 * by their redacted form, so an error can name the repository without leaking a token.
 */
export function scrubRepoSecrets(text: string, url: string): string {
  let out = text.split(url).join(redactRepoUrl(url));
  if (!/^https?:\/\//i.test(url)) return out;
  try {
    const parsed = new URL(url);
    // The same part redactRepoUrl hides: the password, else a lone user name.
    const secret = parsed.password !== '' ? parsed.password : parsed.username;
    if (secret.length < 4) return out;
    for (const form of [secret, decodeURIComponent(secret)]) out = out.split(form).join('***');
  } catch {
    // Unparsable or badly %-encoded: the exact-match pass above is all we can do.
  }
  return out;
}

/**
 * Whether the URL names this server's own filesystem or network: a `file:` URL, an absolute path,
 * or a host that is loopback (localhost, 127.0.0.0/8, ::1, 0.0.0.0) or link-local (169.254.0.0/16,
 * fe80::/10, where cloud metadata services answer). Such a project would let its owner read the
 * server's files or probe its ports, so the server refuses them unless started with
 * `--allow-local-repos`. Only the URL's literal host is looked at, not what a name resolves to.
 */
export function isLocalRepoUrl(url: string): boolean {
  if (url.startsWith('/')) return true;
  let host: string;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.protocol === 'file:') return true;
    host = parsed.hostname;
  } else {
    // user@host:path
    host = url.replace(/^[^@]*@/, '').replace(/:.*$/s, '');
  }
  return isLocalHost(host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, ''));
}

function isLocalHost(host: string): boolean {
  if (host === '' || host === 'localhost' || host.endsWith('.localhost')) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  const hi = mappedHex ? parseInt(mappedHex[1]!, 16) : 0;
  const lo = mappedHex ? parseInt(mappedHex[2]!, 16) : 0;
  const v4 = mapped ? mapped[1]! : mappedHex ? [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.') : host;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) {
    const [a, b] = v4.split('.').map(Number);
    return a === 127 || a === 0 || (a === 169 && b === 254);
  }
  // Other numeric spellings of an IPv4 address (2130706433, 0x7f.1), which resolvers accept and
  // nobody writes for a real host: refused as well rather than decoded.
  if (/^(0x[0-9a-f]+|\d+)(\.(0x[0-9a-f]+|\d+)){0,3}$/.test(host)) return true;
  if (host.includes(':')) return host === '::1' || host === '::' || /^fe[89ab][0-9a-f]?:/.test(host) || /^0*:(0*:)*0*1$/.test(host);
  return false;
}
