import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Hidden inputs carrying Kitsu's form fields, as its custom-action panel renders them. */
export function hiddenInputs(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
}

/** A page shaped like Kitsu's hidden custom-action form: a form POST into a new tab. */
export function kitsuFormPage(actionUrl: string, fields: Record<string, string>): string {
  return `<!doctype html><html><body><form id="action" method="POST" target="_blank" action="${actionUrl}">${hiddenInputs(fields)}<button type="submit">Run</button></form></body></html>`;
}

/**
 * The fields Kitsu's form posts for a person's selection of shot tasks on a shots page (the form
 * mode of a custom action; see the recorded Kitsu 1.0.54 requests).
 */
export function kitsuShotFormFields(
  person: { id: string; email?: string | null },
  tasks: Array<{ id: string; project_id: string }>,
): Record<string, string> {
  return {
    personid: person.id,
    personemail: person.email ?? '',
    projectid: tasks[0].project_id,
    currentpath: '/productions/x/shots',
    currentserver: 'kitsu.test',
    selection: tasks.map((task) => task.id).join(','),
    entitytype: 'shot',
  };
}

/** A local page server standing in for Kitsu; `url` is its origin, e.g. `http://127.0.0.1:PORT`. */
export interface KitsuPageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `render(req)` as text/html on a free local port, so a browser can open it as Kitsu. */
export async function serveKitsuPage(
  render: (req: http.IncomingMessage) => string,
): Promise<KitsuPageServer> {
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(render(req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
