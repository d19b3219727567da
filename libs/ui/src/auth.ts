import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { sameToken } from '@abd/grpc-kit';

/** Name of the cookie a browser gets after opening the view once with `?token=`. */
export const UI_COOKIE = 'abd_ui';

/** What the cookie holds: an HMAC of the token, so a leaked cookie is useless against the gRPC port. */
function cookieValue(token: string): string {
  return createHmac('sha256', token).update('abd-ui-cookie-v1').digest('base64url');
}

export type AuthDecision =
  | { kind: 'ok' }
  | { kind: 'denied'; reason: string }
  /** A valid `?token=`: set the cookie and send the browser to the same URL without the token. */
  | { kind: 'redirect'; location: string; setCookie: string };

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The same bearer token as the gRPC port (`authTokenFromEnv()`): `Authorization: Bearer <token>`
 * on every request, or `?token=<token>` once, which trades it for an HttpOnly cookie (browsers
 * cannot add headers to links). All comparisons are constant-time. No token = open.
 */
export function authorize(token: string | undefined, req: IncomingMessage, url: URL): AuthDecision {
  if (!token) return { kind: 'ok' };
  const query = url.searchParams.get('token');
  if (query !== null) {
    if (!sameToken(query, token)) return { kind: 'denied', reason: 'invalid token' };
    const rest = new URLSearchParams(url.searchParams);
    rest.delete('token');
    const search = rest.toString();
    // Leading slashes collapsed: '//host' would be an absolute URL, an open redirect.
    const location = `/${url.pathname.replace(/^\/+/, '')}${search ? `?${search}` : ''}`;
    const setCookie = `${UI_COOKIE}=${cookieValue(token)}; Path=/; HttpOnly; SameSite=Strict`;
    return { kind: 'redirect', location, setCookie };
  }
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    return m && sameToken(m[1], token)
      ? { kind: 'ok' }
      : { kind: 'denied', reason: 'invalid bearer token' };
  }
  const cookie = cookieOf(req, UI_COOKIE);
  if (cookie !== undefined && sameToken(cookie, cookieValue(token))) return { kind: 'ok' };
  return { kind: 'denied', reason: 'missing token' };
}
