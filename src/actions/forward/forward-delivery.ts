import { SIGNATURE_HEADER, signatureHeader, TIMESTAMP_HEADER } from '../../auth/signature';

export const DELIVERY_HEADER = 'x-kitsu-actions-delivery';

/** How much of an answer is read at all, and how much of it is kept in the delivery log. */
const MAX_ANSWER_BYTES = 64 * 1024;
export const ANSWER_HEAD_CHARS = 512;
/** How much of a target's JSON `message` a delivery log entry keeps. */
export const ANSWER_MESSAGE_CHARS = 500;

/** One delivery attempt as kept on the job and shown on the job page. */
export interface DeliveryAttempt {
  /** Numbered across the whole job, retries from the page included: each number is one row. */
  attempt: number;
  /** Attempt within its run (1 to `attemptLimit`); a retry from the page starts a new run at 1. */
  runAttempt?: number;
  /** The forwarder's own `attempts` setting when this attempt was made. */
  attemptLimit?: number;
  at: string;
  /** Target URL without query string (it may carry a key of the target's own). */
  target: string;
  requestBytes: number;
  status: number | null;
  /** Network error or timeout, when there was no HTTP answer. */
  error: string | null;
  durationMs: number;
  answerHead: string;
  /** The target's JSON `message`, when it answered with one (bounded). */
  message?: string | null;
}

/** What the target answered, when it answered with an HTTP status. */
export interface DeliveryAnswer {
  status: number;
  text: string;
  json: unknown;
}

export type DeliveryOutcome =
  | { kind: 'answered'; attempt: DeliveryAttempt; answer: DeliveryAnswer }
  | { kind: 'unreachable'; attempt: DeliveryAttempt };

/** The URL as it may be shown: scheme, host and path only. */
export function safeTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Leaving the loop early cancels the stream: a chatty target cannot make us buffer it all.
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= MAX_ANSWER_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * POSTs one signed delivery. The body is signed exactly as sent (HMAC-SHA256 over
 * "<timestamp>.<body>", the scheme AUTH_MODE=signed verifies), and the delivery id stays the
 * same across retries so a receiver can drop repeats.
 */
export async function deliver(input: {
  url: string;
  secret: string;
  body: string;
  deliveryId: string;
  attempt: number;
  runAttempt?: number;
  attemptLimit?: number;
  timeoutMs: number;
  now?: () => number;
}): Promise<DeliveryOutcome> {
  const now = input.now ?? Date.now;
  const started = now();
  const timestamp = Math.floor(started / 1000);
  const base = {
    attempt: input.attempt,
    ...(input.runAttempt !== undefined ? { runAttempt: input.runAttempt } : {}),
    ...(input.attemptLimit !== undefined ? { attemptLimit: input.attemptLimit } : {}),
    at: new Date(started).toISOString(),
    target: safeTarget(input.url),
    requestBytes: Buffer.byteLength(input.body),
  };
  try {
    const response = await fetch(input.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'kitsu-actions-forward/1',
        [DELIVERY_HEADER]: input.deliveryId,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signatureHeader(input.secret, timestamp, input.body),
      },
      body: input.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    const text = await readBounded(response);
    let json: unknown = null;
    if (/json/i.test(response.headers.get('content-type') ?? '')) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    const answer: DeliveryAnswer = { status: response.status, text, json };
    const attempt: DeliveryAttempt = {
      ...base,
      status: response.status,
      error: null,
      durationMs: now() - started,
      answerHead: text.slice(0, ANSWER_HEAD_CHARS),
      message: targetReply(answer).message?.slice(0, ANSWER_MESSAGE_CHARS) ?? null,
    };
    return { kind: 'answered', attempt, answer };
  } catch (error) {
    const attempt: DeliveryAttempt = {
      ...base,
      status: null,
      error: describeFailure(error, input.timeoutMs),
      durationMs: now() - started,
      answerHead: '',
      message: null,
    };
    return { kind: 'unreachable', attempt };
  }
}

/** Whether another delivery could succeed: network trouble, timeouts, 5xx, 408 and 429. */
export function isRetryable(outcome: DeliveryOutcome): boolean {
  if (outcome.kind === 'unreachable') return true;
  const { status } = outcome.answer;
  return status >= 500 || status === 408 || status === 429;
}

/** The `{message, url?}` a target may answer with; only http(s) URLs are passed on. */
export function targetReply(answer: DeliveryAnswer): {
  message: string | null;
  url: string | null;
} {
  const json = answer.json as { message?: unknown; url?: unknown } | null;
  const message =
    json && typeof json.message === 'string' && json.message.trim()
      ? json.message.trim().slice(0, 2000)
      : null;
  let url: string | null = null;
  if (json && typeof json.url === 'string') {
    try {
      const parsed = new URL(json.url);
      if (parsed.protocol === 'https:' || parsed.protocol === 'http:') url = parsed.toString();
    } catch {
      url = null;
    }
  }
  return { message, url };
}
