import { StringDecoder } from 'node:string_decoder';
import type { InputSource } from './input-source.js';
import type { OutputSink } from './output-sink.js';

export const INTERRUPT = Symbol('interrupt');
export type LineResult = string | null | typeof INTERRUPT;

/** Longest line kept; a client streaming megabytes without a newline gets it split. */
const MAX_LINE = 64 * 1024;

/**
 * Reads stdin a line at a time. Without a TTY it splits on "\n". With a TTY it plays the terminal's
 * line discipline: echo what is typed, Enter ends a line, Backspace erases, Ctrl-C interrupts,
 * Ctrl-D on an empty line is end of input.
 */
export class LineReader {
  private readonly decoder = new StringDecoder('utf8');
  private buffered = '';

  constructor(
    private readonly input: InputSource,
    private readonly echo: OutputSink,
    private readonly tty: boolean,
  ) {}

  async readLine(): Promise<LineResult> {
    const result = await (this.tty ? this.readTtyLine() : this.readPlainLine());
    // Whatever followed the line goes back to stdin, so a command the shell runs next reads it.
    if (this.buffered !== '') this.input.unread(Buffer.from(this.buffered, 'utf8'));
    this.buffered = '';
    return result;
  }

  private async readPlainLine(): Promise<LineResult> {
    for (;;) {
      const newline = this.buffered.indexOf('\n');
      if (newline >= 0 || this.buffered.length >= MAX_LINE) {
        const end = newline >= 0 ? newline : MAX_LINE;
        const line = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(newline >= 0 ? end + 1 : end);
        return line;
      }
      const chunk = await this.input.read();
      if (chunk === null) {
        const rest = this.buffered + this.decoder.end();
        this.buffered = '';
        return rest === '' ? null : rest;
      }
      this.buffered += this.decoder.write(chunk);
    }
  }

  private async readTtyLine(): Promise<LineResult> {
    let line = '';
    for (;;) {
      if (this.buffered === '') {
        const chunk = await this.input.read();
        if (chunk === null) return line === '' ? null : line;
        this.buffered = this.decoder.write(chunk);
        continue;
      }
      const char = this.buffered[0];
      this.buffered = this.buffered.slice(1);
      switch (char) {
        case '\x03':
          await this.echo.write('^C\n');
          return INTERRUPT;
        case '\x04':
          if (line === '') return null;
          break;
        case '\x7f':
        case '\b':
          if (line !== '') {
            line = line.slice(0, -1);
            await this.echo.write('\b \b');
          }
          break;
        case '\r':
        case '\n':
          if (char === '\r' && this.buffered[0] === '\n') this.buffered = this.buffered.slice(1);
          await this.echo.write('\n');
          return line;
        default:
          if (line.length < MAX_LINE) {
            line += char;
            await this.echo.write(char);
          }
      }
    }
  }
}
