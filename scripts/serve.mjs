#!/usr/bin/env node
// Tiny dependency-free static file server for www/ (or dist/).
//
//   node scripts/serve.mjs [DIR] [--port N] [--host H] [--prefix /sub/path/] [--csp]   (PORT / HOST env also work)
//   --csp sends STRICT_CSP with every response, to try the element under a strict policy.
//
// Correct MIME types (wasm streaming instantiation needs application/wasm), no caching,
// index.html for directories, and no way out of DIR.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, isMain } from './lib.mjs';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.toml': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** The policy the element and embed.html are tested under (tests/browser/embed.test.mjs). */
export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

function send(res, status, body, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

/**
 * A request handler serving the files under `root`, optionally mounted at a sub-path
 * `prefix` (e.g. '/blog/post/'), as a static host would serve a copy of dist/.
 */
export function staticHandler(root, prefix = '/') {
  const base = fs.realpathSync(path.resolve(root));
  const mount = ('/' + prefix + '/').replace(/\/+/g, '/');
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    }
    let rel;
    try {
      const pathname = new URL(req.url, 'http://x').pathname;
      if (pathname + '/' === mount) return send(res, 301, '', { Location: mount });
      if (!pathname.startsWith(mount)) return send(res, 404, 'not found\n');
      rel = decodeURIComponent(pathname.slice(mount.length - 1));
    } catch {
      return send(res, 400, 'bad request\n');
    }
    if (rel.includes('\0')) return send(res, 400, 'bad request\n');
    let file = path.resolve(base, '.' + path.posix.normalize('/' + rel));
    if (file !== base && !file.startsWith(base + path.sep)) return send(res, 403, 'forbidden\n');

    fs.stat(file, (err, st) => {
      if (!err && st.isDirectory()) {
        if (!rel.endsWith('/')) {
          const u = new URL(req.url, 'http://x');
          return send(res, 301, '', { Location: u.pathname + '/' + u.search });
        }
        file = path.join(file, 'index.html');
      }
      // Resolve symlinks and check again that the target is inside root.
      fs.realpath(file, (err2, real) => {
        if (err2) return send(res, 404, 'not found\n');
        if (real !== base && !real.startsWith(base + path.sep)) return send(res, 403, 'forbidden\n');
        fs.stat(real, (err3, st2) => {
          if (err3 || !st2.isFile()) return send(res, 404, 'not found\n');
          const type = MIME[path.extname(real).toLowerCase()] || 'application/octet-stream';
          res.writeHead(200, {
            'Content-Type': type,
            'Content-Length': st2.size,
            'Cache-Control': 'no-cache',
            'X-Content-Type-Options': 'nosniff',
          });
          if (req.method === 'HEAD') return res.end();
          const stream = fs.createReadStream(real);
          stream.on('error', () => res.destroy());
          stream.pipe(res);
        });
      });
    });
  };
}

/**
 * Start serving `root`. port 0 picks a free port. Resolves to { server, port, url, close() }.
 */
export function startServer({ root = path.join(ROOT, 'www'), port = 0, host = '127.0.0.1', prefix = '/', csp = false } = {}) {
  return new Promise((resolve, reject) => {
    const files = staticHandler(root, prefix);
    const server = http.createServer(csp ? (req, res) => { res.setHeader('Content-Security-Policy', STRICT_CSP); files(req, res); } : files);
    server.on('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      const sub = ('/' + prefix + '/').replace(/\/+/g, '/');
      const shown = host === '127.0.0.1' || host === '::1' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve({
        server,
        port: actual,
        url: `http://${shown === 'localhost' ? '127.0.0.1' : shown}:${actual}${sub}`,
        displayUrl: `http://${shown}:${actual}${sub}`,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

export function parseArgs(argv) {
  const opts = { root: path.join(ROOT, 'www'), port: Number(process.env.PORT || 8080), host: process.env.HOST || '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') opts.port = Number(argv[++i]);
    else if (a === '--host') opts.host = argv[++i];
    else if (a === '--prefix') opts.prefix = argv[++i];
    else if (a === '--csp') opts.csp = true;
    else if (!a.startsWith('-')) opts.root = path.resolve(a);
  }
  return opts;
}

export async function serveForever(opts) {
  if (!fs.existsSync(opts.root)) {
    console.error(`[serve] no such directory: ${opts.root}`);
    process.exit(1);
  }
  let srv;
  try {
    srv = await startServer(opts);
  } catch (err) {
    console.error(`[serve] cannot listen on ${opts.host}:${opts.port}: ${err.message}` +
      (err.code === 'EADDRINUSE' ? ' (port in use: set PORT=...)' : ''));
    process.exit(1);
  }
  console.log(`Serving ${path.relative(process.cwd(), opts.root) || '.'} at ${srv.displayUrl}  (Ctrl-C to stop)`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return srv;
}

if (isMain(import.meta.url)) {
  serveForever(parseArgs(process.argv.slice(2)));
}
