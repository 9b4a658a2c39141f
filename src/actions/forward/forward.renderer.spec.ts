import type { DeliveryAttempt } from './forward-delivery';
import { renderForwardFailure, renderForwardResult } from './forward.renderer';

function attempt(over: Partial<DeliveryAttempt>): DeliveryAttempt {
  return {
    attempt: 1,
    runAttempt: 1,
    attemptLimit: 2,
    at: '2025-01-01T00:00:00.000Z',
    target: 'http://hooks.test/in',
    requestBytes: 10,
    status: 500,
    error: null,
    durationMs: 3,
    answerHead: '',
    message: null,
    ...over,
  };
}

const rowsOf = (html: string) => [...html.matchAll(/<tr data-attempt="(\d+)"/g)].map((m) => m[1]);

describe('forward job page parts', () => {
  it("shows the target's status and escaped message, then every attempt with its limit", () => {
    const html = renderForwardFailure({
      forwarder: 'publish',
      label: 'Publish <script>',
      target: 'http://hooks.test/in',
      status: 422,
      error: null,
      message: 'no <b>camera</b>',
      answerHead: '{"message":"no <b>camera</b>"}',
      attemptLimit: 2,
      deliveries: [
        attempt({ status: 422, message: 'no <b>camera</b>' }),
        attempt({ attempt: 2, runAttempt: 1, status: 500, answerHead: '<html>oops</html>' }),
        attempt({ attempt: 3, runAttempt: 2, status: 500, answerHead: '<html>oops</html>' }),
      ],
    });
    expect(html).toContain('HTTP 422');
    expect(html).toContain('no &lt;b&gt;camera&lt;/b&gt;');
    expect(html).toContain('Publish &lt;script&gt;');
    expect(html).not.toMatch(/<b>|<script>|<html>/);
    expect(rowsOf(html)).toEqual(['1', '2', '3']);
    expect(html).toContain('1 of 2 (new run)');
    expect(html).toContain('2 of 2');
  });

  it('bounds a long answer body to an excerpt', () => {
    const html = renderForwardFailure({ status: 500, answerHead: 'x'.repeat(5000) });
    expect(html).toContain(`${'x'.repeat(300)}…`);
    expect(html).not.toContain('x'.repeat(301));
  });

  it('numbers rows by position when kept numbers repeat (jobs kept before the fix)', () => {
    const html = renderForwardResult({
      summary: 'Sent',
      deliveries: [attempt({ attempt: 1 }), attempt({ attempt: 1, status: 200 })],
    });
    expect(rowsOf(html)).toEqual(['1', '2']);
  });

  it('copes with a result of another shape', () => {
    expect(renderForwardFailure(null)).toContain('The target');
    expect(renderForwardResult({ deliveries: 'x' })).toBe('<p class="summary"></p>');
  });
});
