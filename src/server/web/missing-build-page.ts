// The page / shows when the web UI was never built: what happened and the one command to fix it,
// while the API and agents go on working.

/** A self-contained HTML page (no scripts, no external files) naming the missing build. */
export function missingBuildPage(distDir: string): string {
  const escaped = distDir.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slipway — web UI not built</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 48px 24px; color: #1c2330; background: #f6f7f9; }
  main { max-width: 560px; margin: 0 auto; background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 24px 28px; }
  h1 { font-size: 20px; margin: 0 0 12px; }
  code { font: 14px ui-monospace, monospace; background: #eef1f4; padding: 2px 6px; border-radius: 4px; }
  p { margin: 12px 0; }
</style>
</head>
<body>
<main>
  <h1>The web UI has not been built</h1>
  <p>This server found no <code>index.html</code> in <code>${escaped}</code>.</p>
  <p>Build it from the Slipway checkout with <code>npm run build:web</code> (<code>npm ci</code> does this too), then reload this page.</p>
  <p>The API at <code>/api/v1</code>, the agents and the CLI work without it.</p>
</main>
</body>
</html>
`;
}
