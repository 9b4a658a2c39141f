import { isRetryable, safeTarget, targetReply, type DeliveryOutcome } from './forward-delivery';

function answered(status: number): DeliveryOutcome {
  return {
    kind: 'answered',
    attempt: {
      attempt: 1,
      at: '',
      target: '',
      requestBytes: 0,
      status,
      error: null,
      durationMs: 1,
      answerHead: '',
    },
    answer: { status, text: '', json: null },
  };
}

describe('forward delivery helpers', () => {
  it('retries network trouble, 5xx, 408 and 429, never other 4xx', () => {
    expect([500, 502, 503, 504, 408, 429].map((s) => isRetryable(answered(s)))).toEqual(
      Array(6).fill(true),
    );
    expect([400, 401, 403, 404, 409, 422].map((s) => isRetryable(answered(s)))).toEqual(
      Array(6).fill(false),
    );
    const unreachable: DeliveryOutcome = {
      kind: 'unreachable',
      attempt: { ...answered(0).attempt, status: null, error: 'ECONNREFUSED' },
    };
    expect(isRetryable(unreachable)).toBe(true);
  });

  it('keeps a target URL without its query string or credentials', () => {
    expect(safeTarget('https://u:p@hooks.test:8443/in/kitsu?token=abc#x')).toBe(
      'https://hooks.test:8443/in/kitsu',
    );
  });

  it('passes on a message and only an http(s) url from the answer', () => {
    const reply = (json: unknown) => targetReply({ status: 200, text: '', json });
    expect(reply({ message: ' Done ', url: 'https://x.test/a' })).toEqual({
      message: 'Done',
      url: 'https://x.test/a',
    });
    expect(reply({ message: 'x', url: 'javascript:alert(1)' }).url).toBeNull();
    expect(reply({ message: 3 })).toEqual({ message: null, url: null });
    expect(reply(null)).toEqual({ message: null, url: null });
  });
});
