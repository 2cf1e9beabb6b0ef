// The page a browser lands on when a sign-in through the identity provider cannot give a
// session: what happened, the error's code, and a way back. Static HTML, every value escaped.

/** Headers of the page: nothing loads, nothing frames it, and its address goes nowhere. */
export const resultPageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function signInResultPage(title: string, message: string, code: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Slipway</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}h1{font-size:1.4rem}code{background:#eef1f4;padding:.1rem .3rem;border-radius:3px}</style>
</head><body><main>
<h1>${escapeHtml(title)}</h1>
<p role="alert">${escapeHtml(message)}</p>
<p>Error code: <code>${escapeHtml(code)}</code></p>
<p><a href="/">Back to the sign-in page</a></p>
</main></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
