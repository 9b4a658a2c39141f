import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/auth/signature';

/** What a studio's own hook sees of one forwarded click. */
export interface ReceivedDelivery {
  number: number;
  receivedAt: string;
  /** Only deliveries with a valid signature are kept. */
  signature: 'valid';
  body: unknown;
}

export interface DemoReceiver {
  /** Where the forwarder posts: `<url>/hook`. */
  hookUrl: string;
  url: string;
  deliveries: ReceivedDelivery[];
  close(): Promise<void>;
}

/** Enough of the forward payload to say what arrived. */
interface ForwardPayloadView {
  forwarder?: string;
  person?: { email?: string };
  options?: { note?: unknown };
  tasks?: Array<{ entity?: { name?: string }; task_type?: { name?: string } }>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The demo's stand-in for a studio's Flask hook: checks the signature, logs one line per delivery,
 * keeps the body for `GET /deliveries/<n>` (the link its answer gives the job page), and answers
 * `{message, url}` as src/actions/forward/README.md says a target should.
 */
export async function startDemoReceiver(options: {
  secret: string;
  log: (line: string) => void;
}): Promise<DemoReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  let base = '';
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body, null, 2));
  };
  const onHook = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const verdict = verifySignature({
      secret: options.secret,
      timestampHeader: req.headers[TIMESTAMP_HEADER] as string | undefined,
      signatureHeader: req.headers[SIGNATURE_HEADER] as string | undefined,
      body: raw,
    });
    if (!verdict.ok) {
      options.log(`receiver: refused a delivery (signature ${verdict.reason})`);
      return answer(res, 401, { message: `signature ${verdict.reason}` });
    }
    let body: ForwardPayloadView;
    try {
      body = JSON.parse(raw.toString('utf8')) as ForwardPayloadView;
    } catch {
      return answer(res, 400, { message: 'body is not JSON' });
    }
    const number = deliveries.length + 1;
    deliveries.push({ number, receivedAt: new Date().toISOString(), signature: 'valid', body });
    const names = (body.tasks ?? []).map(
      (task) => `${task.entity?.name ?? '?'}/${task.task_type?.name ?? '?'}`,
    );
    const note = typeof body.options?.note === 'string' && body.options.note;
    const message =
      `Demo receiver got ${names.length} task(s): ${names.join(', ')}` +
      (note ? ` (note: ${note})` : '');
    options.log(
      `receiver: delivery ${number} from forwarder "${body.forwarder ?? '?'}" for ${body.person?.email ?? '?'}: ${names.join(', ')}`,
    );
    answer(res, 200, { message, url: `${base}/deliveries/${number}` });
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      if (size > MAX_BODY_BYTES) return answer(res, 413, { message: 'body too large' });
      if (req.method === 'POST' && path === '/hook') return onHook(req, res, Buffer.concat(chunks));
      const shown = /^\/deliveries\/(\d+)$/.exec(path);
      if (req.method === 'GET' && shown) {
        const delivery = deliveries[Number(shown[1]) - 1];
        return delivery
          ? answer(res, 200, delivery)
          : answer(res, 404, { message: 'no such delivery' });
      }
      if (req.method === 'GET' && path === '/deliveries') return answer(res, 200, deliveries);
      answer(res, 404, { message: 'POST /hook, GET /deliveries or /deliveries/<n>' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Port 0: a free port, so the demo never collides with anything already listening.
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    hookUrl: `${base}/hook`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
