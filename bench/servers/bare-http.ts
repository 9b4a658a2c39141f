import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { Queue } from 'bullmq';
import { reportReady, timeRequests } from '../lib/child';

/**
 * The limit: node:http, JSON.parse of the same body and one queue.add per request. No
 * validation, no framework; what is left is Node's HTTP and one Redis round trip.
 */
const queue = new Queue('custom', {
  connection: { url: process.env.REDIS_URL! },
  prefix: process.env.QUEUE_PREFIX!,
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let data: unknown;
    try {
      data = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const jobId = randomBytes(12).toString('base64url');
    queue.add('bench', data, { jobId }).then(
      () => {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jobId }));
      },
      () => res.writeHead(503).end(),
    );
  });
});

timeRequests(server);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  reportReady(typeof address === 'object' && address ? address.port : 0);
});
process.on('SIGTERM', () => {
  server.close();
  void queue.close().finally(() => process.exit(0));
});
