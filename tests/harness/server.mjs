// Serves the test pages (tests/pages) on loopback for the real-browser tests.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../pages/', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.json': 'application/json' };

/**
 * Starts a static server; `headers(path)` may add response headers (e.g. a CSP) per page. `routes` maps a
 * path to a function that generates its body (a string or Buffer, or a promise of one) at request time;
 * a route wins over a file of the same path.
 */
export async function serve({ host = '127.0.0.1', headers = () => ({}), routes = {} } = {}) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const route = Object.hasOwn(routes, path) ? routes[path] : null;
      const body = route ? await route(path) : await readFile(join(ROOT, path === '/' ? 'gather.html' : path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', ...headers(path) });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, host, resolve));
  const { port } = server.address();
  // Closing also ends idle keep-alive connections, which would otherwise hold close() open for minutes.
  return { origin: `http://${host}:${port}`, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) };
}
