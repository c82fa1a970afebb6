import type { ServerResponse } from "node:http";
import { sendBody } from "../protocol/http";

/** The headers every console answer carries: no framing, no foreign scripts or connections, no referrer. */
export const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export function sendJson(res: ServerResponse, status: number, document: unknown): void {
  sendBody(res, status, Buffer.from(JSON.stringify(document)), {
    ...SECURITY_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Cache-Control": "no-store",
  });
}

export function consoleHeaders(extra: Record<string, string>): Record<string, string> {
  return { ...SECURITY_HEADERS, ...extra };
}
