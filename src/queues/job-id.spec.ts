import { parseJobId } from './job-id';

describe('parseJobId', () => {
  it('reads a queue and a bull id', () => {
    expect(parseJobId('inspect.Zk3x9QpLr2T8mV1a')).toEqual({
      queue: 'inspect',
      bullId: 'Zk3x9QpLr2T8mV1a',
    });
  });

  it.each(['meta', 'id', 'events', 'failed', 'completed', 'wait', 'stalled-check', 'de', 'pc'])(
    "refuses BullMQ's own key name %s as a job id",
    (suffix) => {
      expect(parseJobId(`inspect.${suffix}`)).toBeNull();
    },
  );

  it('refuses unknown queues and odd characters', () => {
    expect(parseJobId('nope.abc')).toBeNull();
    expect(parseJobId('inspect.a:b')).toBeNull();
    expect(parseJobId('inspect.')).toBeNull();
  });
});
