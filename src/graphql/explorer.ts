/**
 * The GraphQL explorer: GraphiQL served from this server's own files (node_modules), so it works
 * with no network beyond the server. GET /graphql from a browser answers the page; its scripts and
 * styles live under /explorer/. The page asks for the same basic credentials as the API, so the
 * browser sends them with every query the explorer makes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/basic-auth.js';
import { GRAPHQL_PATH } from './http-handler.js';

export const EXPLORER_ASSET_PATH = '/explorer/';

const require = createRequire(import.meta.url);

interface Asset {
  type: string;
  body: Buffer;
}

const BOOT_SCRIPT = `
const fetcher = GraphiQL.createFetcher({ url: '${GRAPHQL_PATH}', subscriptionUrl: (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '${GRAPHQL_PATH}' });
ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }));
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pgo GraphQL explorer</title>
<link rel="stylesheet" href="${EXPLORER_ASSET_PATH}graphiql.min.css">
<style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">Loading the explorer…</div>
<script src="${EXPLORER_ASSET_PATH}react.production.min.js"></script>
<script src="${EXPLORER_ASSET_PATH}react-dom.production.min.js"></script>
<script src="${EXPLORER_ASSET_PATH}graphiql.min.js"></script>
<script src="${EXPLORER_ASSET_PATH}boot.js"></script>
</body>
</html>
`;

function loadAssets(): Map<string, Asset> {
  // React's `exports` map hides umd/; its package.json is exported, so files are found beside it.
  const file = (pkg: string, path: string): Buffer => readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), path));
  return new Map<string, Asset>([
    ['react.production.min.js', { type: 'text/javascript', body: file('react', 'umd/react.production.min.js') }],
    ['react-dom.production.min.js', { type: 'text/javascript', body: file('react-dom', 'umd/react-dom.production.min.js') }],
    ['graphiql.min.js', { type: 'text/javascript', body: file('graphiql', 'graphiql.min.js') }],
    ['graphiql.min.css', { type: 'text/css', body: file('graphiql', 'graphiql.min.css') }],
    ['boot.js', { type: 'text/javascript', body: Buffer.from(BOOT_SCRIPT) }],
  ]);
}

function send(res: ServerResponse, status: number, type: string, body: Buffer | string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': String(Buffer.byteLength(body)), 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(body);
}

/** Answers explorer requests; returns false for anything else so the caller routes it on. */
export function explorerHandler(authenticator: Authenticator): (req: IncomingMessage, res: ServerResponse) => boolean {
  let assets: Map<string, Asset> | undefined;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path.startsWith(EXPLORER_ASSET_PATH)) {
      assets ??= loadAssets();
      const asset = assets.get(path.slice(EXPLORER_ASSET_PATH.length));
      if (!asset) send(res, 404, 'text/plain', 'not found');
      else send(res, 200, asset.type, asset.body, { 'Cache-Control': 'public, max-age=3600' });
      return true;
    }
    const wantsPage = req.method === 'GET' && path === GRAPHQL_PATH && String(req.headers.accept ?? '').includes('text/html');
    if (!wantsPage) return false;
    if (!authenticator.authenticate(req.headers.authorization)) {
      send(res, 401, 'text/plain', 'authentication required', { 'WWW-Authenticate': 'Basic realm="pgo"' });
      return true;
    }
    send(res, 200, 'text/html', PAGE, { 'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:" });
    return true;
  };
}
