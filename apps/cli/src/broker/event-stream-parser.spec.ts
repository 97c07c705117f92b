import { EventStreamParser, type ServerSentEvent } from './event-stream-parser.js';

const stream =
  ': tailing the audit log\n\n' +
  'event: audit\ndata: {"auditID":"a1"}\n\n' +
  ': keep-alive\n\n' +
  'event: audit\ndata: {"auditID":"a2"}\n\n';

function feed(chunks: string[]): ServerSentEvent[] {
  const parser = new EventStreamParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

describe('event stream parser', () => {
  it('yields audit events and skips heartbeat comments', () => {
    expect(feed([stream])).toEqual([
      { event: 'audit', data: '{"auditID":"a1"}' },
      { event: 'audit', data: '{"auditID":"a2"}' },
    ]);
  });

  it('gives the same events however the stream is split, one character at a time included', () => {
    const whole = feed([stream]);
    for (const size of [1, 2, 3, 7, 16]) {
      const chunks = stream.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
      expect(feed(chunks)).toEqual(whole);
    }
  });

  it('completes an event only at its blank line', () => {
    const parser = new EventStreamParser();
    expect(parser.push('event: audit\ndata: {"a":')).toEqual([]);
    expect(parser.push('1}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'audit', data: '{"a":1}' }]);
  });

  it('joins multi-line data with newlines', () => {
    expect(feed(['event: audit\ndata: {\ndata:   "a": 1\ndata: }\n\n'])).toEqual([
      { event: 'audit', data: '{\n  "a": 1\n}' },
    ]);
  });

  it('accepts CRLF and CR line ends, also a CRLF split between chunks', () => {
    expect(feed(['event: audit\r\ndata: x\r', '\n\r', '\n'])).toEqual([{ event: 'audit', data: 'x' }]);
    // A CR at the end of a chunk may be half of a CRLF: the blank line counts once the next byte is in.
    expect(feed(['event: audit\rdata: y\r\r'])).toEqual([]);
    expect(feed(['event: audit\rdata: y\r\r', ': keep-alive\r'])).toEqual([{ event: 'audit', data: 'y' }]);
  });

  it('follows the field rules: one leading space dropped, no colon, unnamed events, ids, unknown fields', () => {
    expect(feed(['data:no-space\ndata:  two-spaces\nretry: 10\nfoo: bar\nid: 7\n\n', 'data\n\n'])).toEqual([
      { event: 'message', data: 'no-space\n two-spaces', id: '7' },
      { event: 'message', data: '', id: '7' },
    ]);
  });

  it('dispatches nothing for a block without data, and resets the event name after each block', () => {
    expect(feed(['event: audit\n\n', 'data: z\n\n'])).toEqual([{ event: 'message', data: 'z' }]);
  });

  it('drops a byte order mark at the start of the stream only', () => {
    expect(feed(['\uFEFFdata: a\n\n', 'data: \uFEFFb\n\n'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: '\uFEFFb' },
    ]);
  });

  it('refuses to buffer an endless line', () => {
    const parser = new EventStreamParser();
    const chunk = 'x'.repeat(1024 * 1024);
    expect(() => {
      for (let i = 0; i < 5; i++) parser.push(chunk);
    }).toThrow(/longer than/);
  });
});
