import http from 'node:http';

export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * Reads a Server-Sent Events stream until the server ends it (or `until` says stop), then
 * resolves with every event. `onOpen` runs once the first event has arrived.
 */
export function readSse(
  url: string,
  options: { onOpen?: () => void | Promise<void>; timeoutMs?: number } = {},
): Promise<{ status: number; contentType: string; events: SseEvent[] }> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const req = http.get(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let split: number;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) as unknown });
          if (events.length === 1 && options.onOpen)
            Promise.resolve(options.onOpen()).catch(reject);
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          events,
        });
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`SSE stream did not end in time; got ${JSON.stringify(events)}`));
    }, options.timeoutMs ?? 15000);
    req.on('error', reject);
  });
}
