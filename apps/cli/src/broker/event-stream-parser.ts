/** One server-sent event: its type (`message` unless named) and its data lines joined by newlines. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/** A line longer than this is not an audit event; the stream is treated as broken instead of buffered. */
const maxLineChars = 4 * 1024 * 1024;

/**
 * Incremental `text/event-stream` parser (the WHATWG rules the CLI needs): lines end in LF, CRLF or
 * CR, even when a chunk ends between CR and LF; `:` lines are comments (heartbeats); `data` lines
 * accumulate and a blank line dispatches; a field's value loses one leading space.
 */
export class EventStreamParser {
  private buffer = '';
  private started = false;
  private data: string[] = [];
  private type = '';
  private id: string | undefined;

  /** Feeds decoded text; returns the events it completed. */
  push(chunk: string): ServerSentEvent[] {
    this.buffer += chunk;
    if (!this.started && this.buffer.length > 0) {
      this.started = true;
      if (this.buffer.startsWith('\uFEFF')) this.buffer = this.buffer.slice(1);
    }
    const events: ServerSentEvent[] = [];
    let start = 0;
    for (;;) {
      const end = nextLineEnd(this.buffer, start);
      if (end === -1) break;
      const char = this.buffer[end];
      // A CR as the last character may be the first half of CRLF: wait for the next chunk.
      if (char === '\r' && end === this.buffer.length - 1) break;
      const line = this.buffer.slice(start, end);
      start = end + (char === '\r' && this.buffer[end + 1] === '\n' ? 2 : 1);
      const event = this.line(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > maxLineChars)
      throw new Error(`the event stream sent a line longer than ${maxLineChars} characters`);
    return events;
  }

  private line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.type = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const event =
      this.data.length > 0
        ? {
            event: this.type || 'message',
            data: this.data.join('\n'),
            ...(this.id === undefined ? {} : { id: this.id }),
          }
        : undefined;
    this.data = [];
    this.type = '';
    return event;
  }
}

function nextLineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return -1;
}
