// HTTP responses of the web view: typed errors and one `send` with the security headers.
import type { ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, what);

// Pages carry no scripts: inline styles, data: images and same-origin images only.
const HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'";
// Stored files (reports/*.svg) are data, never active content.
const FILE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array,
  head = false,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Security-Policy': type.startsWith('text/html') ? HTML_CSP : FILE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    // The token may be in the URL of a first visit; never pass it on.
    'Referrer-Policy': 'no-referrer',
    ...extra,
  });
  res.end(head ? undefined : body);
}
