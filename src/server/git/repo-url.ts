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
