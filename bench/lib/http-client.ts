import { Agent, request } from 'node:http';
import { wallNow } from './clock';

export interface Posted {
  status: number;
  body: string;
  /** Wall-clock time the whole answer had arrived. */
  answeredAt: number;
}

/** A keep-alive POST client for paced load, where wrk and autocannon cannot tag each answer. */
export class JsonPoster {
  private readonly agent: Agent;

  constructor(maxSockets: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  post(url: string, body: string, headers: Record<string, string> = {}): Promise<Posted> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              answeredAt: wallNow(),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
