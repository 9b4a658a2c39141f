import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoKitsu {
  /** KITSU_URL for the demo: `http://localhost:<port>`. */
  url: string;
  /** `localhost:<port>`, as Kitsu's page sends it (originserver, currentserver). */
  host: string;
  close(): Promise<void>;
}

/** The port Kitsu's own pages answer on in the demo when it is free (as in earlier demos). */
const PREFERRED_PORT = 8081;

/**
 * The demo's stand-in for Kitsu's web front end at KITSU_URL. No Kitsu runs in the demo, yet job
 * pages show Kitsu's preview thumbnails and link to Kitsu's pages: pictures are fetched from the
 * Zou simulator with a person's token (in a studio the browser sends its Kitsu session cookie to
 * Kitsu's own host), and any other path answers a short page saying what Kitsu would show there.
 */
export async function startDemoKitsu(options: {
  /** The Zou simulator's API root (`http://host:port/api`). */
  zouApiUrl: string;
  /** A token that may read previews (the demo's supervisor). */
  token: string;
}): Promise<DemoKitsu> {
  const server = createServer((req, res) => {
    void answer(req, res, options).catch(() => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('The Zou simulator did not answer');
    });
  });
  const port = await listen(server, PREFERRED_PORT).catch(() => listen(server, 0));
  return {
    url: `http://localhost:${port}`,
    host: `localhost:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  options: { zouApiUrl: string; token: string },
): Promise<void> {
  const path = req.url ?? '/';
  if (req.method === 'GET' && path.startsWith('/api/pictures/')) {
    const picture = await fetch(`${options.zouApiUrl}${path.slice('/api'.length)}`, {
      headers: { Authorization: `Bearer ${options.token}` },
    });
    res.writeHead(picture.status, {
      'Content-Type': picture.headers.get('content-type') ?? 'application/octet-stream',
      'Cache-Control': 'max-age=300',
    });
    res.end(Buffer.from(await picture.arrayBuffer()));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(
    `<!doctype html><title>Kitsu (demo stand-in)</title>` +
      `<p>No Kitsu runs in the demo. In a studio this link opens Kitsu at <code>${escapeHtml(path)}</code>.</p>`,
  );
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
