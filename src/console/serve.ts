/**
 * Serves the built web console (dist/console/) at /console on the API listener. Static files
 * carry no secrets, so they are served before SigV4; every API call the app makes is signed.
 * Strict security headers on every answer; hashed assets are cached immutably; any other path
 * under /console/ gets index.html (client-side routes); nothing outside the root is reachable.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import type http from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The URL prefix the console lives under. */
export const CONSOLE_PREFIX = '/console';

/** The Content-Security-Policy of every console answer: same-origin only, no inline scripts. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Headers sent with every console answer. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Hashed build outputs (Vite names them name-<hash>.ext under assets/) never change. */
const HASHED = /^assets\/[\w.-]+-[\w-]{8,}\.[a-z0-9]+$/;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bulwark console not built</title></head>
<body><h1>The Bulwark console is not built</h1><p>Run <code>npm run build</code> (it builds the console into <code>dist/console/</code>) and reload this page.</p></body></html>`;

/** The default location of the built console: <package>/dist/console. */
export function defaultConsoleRoot(): string {
  // Compiled: <pkg>/dist/src/console/serve.js; from source (tests): <pkg>/src/console/serve.ts.
  const here = fileURLToPath(import.meta.url);
  const up = here.includes(`${sep}dist${sep}src${sep}console${sep}`) ? '../../..' : '../..';
  return resolve(here, '..', up, 'dist', 'console');
}

/**
 * Maps a request path to a file path relative to the console root, or undefined when the path is
 * not under the prefix or tries to leave the root (`..`, encoded separators, NUL, backslashes).
 * '' means index.html.
 */
export function consoleRelativePath(urlPath: string): string | undefined {
  if (urlPath !== CONSOLE_PREFIX && !urlPath.startsWith(CONSOLE_PREFIX + '/')) return undefined;
  let rest = urlPath.slice(CONSOLE_PREFIX.length + 1);
  try {
    rest = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  if (rest.includes('\0') || rest.includes('\\')) return undefined;
  const segs = rest.split('/').filter((s) => s !== '');
  for (const s of segs) if (s === '.' || s === '..') return undefined;
  return segs.join('/');
}

/** A request handler for the console; returns the status it answered with. */
export type ConsoleHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<number>;

/** Builds the static handler for a built console directory. */
export function consoleHandler(root: string = defaultConsoleRoot()): ConsoleHandler {
  const base = resolve(root);
  let realBase: string | undefined;
  const send = (res: http.ServerResponse, method: string, status: number, type: string, body: Buffer | string, cache: string): number => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': cache, 'content-length': Buffer.byteLength(body) });
    res.end(method === 'HEAD' ? undefined : body);
    return status;
  };
  /** Reads a file only if it resolves (after symlinks) inside the root. */
  const readInside = async (rel: string): Promise<Buffer | undefined> => {
    try {
      realBase ??= await realpath(base);
      const full = await realpath(join(base, rel));
      if (full !== realBase && !full.startsWith(realBase + sep)) return undefined;
      if (!(await stat(full)).isFile()) return undefined;
      return await readFile(full);
    } catch {
      return undefined;
    }
  };
  return async (req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, method, 405, 'text/plain; charset=utf-8', 'Method not allowed\n', 'no-store');
    }
    const rel = consoleRelativePath(path);
    if (rel === undefined) return send(res, method, 404, 'text/plain; charset=utf-8', 'Not found\n', 'no-store');
    if (path === CONSOLE_PREFIX) {
      // Relative asset URLs resolve against /console/, so send the bare prefix there.
      res.writeHead(308, { ...SECURITY_HEADERS, location: CONSOLE_PREFIX + '/', 'cache-control': 'no-store', 'content-length': 0 });
      res.end();
      return 308;
    }
    const index = await readInside('index.html');
    if (!index) return send(res, method, 404, 'text/html; charset=utf-8', NOT_BUILT, 'no-store');
    if (rel !== '' && rel !== 'index.html') {
      const file = await readInside(rel);
      if (file) {
        const type = TYPES[extname(rel).toLowerCase()] ?? 'application/octet-stream';
        return send(res, method, 200, type, file, HASHED.test(rel) ? 'public, max-age=31536000, immutable' : 'no-cache');
      }
      // A missing asset is a 404, not the app: a stale hashed URL must not get HTML.
      if (rel.startsWith('assets/') || extname(rel) !== '') return send(res, method, 404, 'text/plain; charset=utf-8', 'Not found\n', 'no-store');
    }
    return send(res, method, 200, 'text/html; charset=utf-8', index, 'no-cache');
  };
}
