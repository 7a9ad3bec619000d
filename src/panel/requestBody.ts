/** Reads a change request's body: JSON only, at most `limitBytes`, with a clear 4xx otherwise. */
import type { IncomingMessage } from 'node:http';

export class PanelHttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const MAX_BODY_BYTES = 64 * 1024;

export async function readJsonBody(req: IncomingMessage, limitBytes = MAX_BODY_BYTES): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new PanelHttpError(415, 'send JSON (content-type: application/json)');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limitBytes) throw new PanelHttpError(413, `request body over ${limitBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new PanelHttpError(413, `request body over ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PanelHttpError(400, `body is not JSON (${(error as Error).message.slice(0, 120)})`);
  }
}
