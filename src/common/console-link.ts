import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The local console's sign-in link: `<url>/_console/sign-in?token=<token>`, a one-time token that whoever holds
 * the state folder's key can make without asking the server (`npm run local`, lab 1.1, `npm run console`), and the
 * server can check without keeping a list of issued links. The token is
 *   v1.<issued at, epoch seconds in base 36>.<16 random bytes, base64url>.<HMAC-SHA256 of those, base64url>
 * keyed with the secret access key. The server takes it once (it remembers used nonces until they expire) and
 * within LINK_LIFETIME_MS of its issue; the link only opens a session, and the secret itself never leaves the file.
 */

/** How long a printed link stays good: a workshop day. */
export const CONSOLE_LINK_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** Where the console lives on the server, and its sign-in path. */
export const CONSOLE_PATH = "/_console";
export const CONSOLE_SIGN_IN_PATH = `${CONSOLE_PATH}/sign-in`;

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

function mac(keys: Keys, issued: string, nonce: string): string {
  return createHmac("sha256", keys.secretAccessKey)
    .update(`local-sagemaker console sign-in\n${keys.accessKeyId}\n${issued}\n${nonce}`)
    .digest("base64url");
}

/** A fresh one-time token. */
export function consoleSignInToken(keys: Keys, now: number = Date.now()): string {
  const issued = Math.floor(now / 1000).toString(36);
  const nonce = randomBytes(16).toString("base64url");
  return `v1.${issued}.${nonce}.${mac(keys, issued, nonce)}`;
}

/** The link that opens the console of the server at `url` (e.g. http://127.0.0.1:7070). */
export function consoleSignInUrl(url: string, keys: Keys, now?: number): string {
  return `${url.replace(/\/+$/, "")}${CONSOLE_SIGN_IN_PATH}?token=${consoleSignInToken(keys, now)}`;
}

export type TokenCheck =
  | { ok: true; nonce: string; expiresAt: number }
  | { ok: false; reason: "malformed" | "signature" | "expired" | "future" };

/** Whether `token` was made with these keys and is within its lifetime (one-time use is the server's to track). */
export function checkConsoleToken(token: string, keys: Keys, now: number = Date.now()): TokenCheck {
  const parts = token.split(".");
  if (parts.length !== 4 || parts[0] !== "v1") return { ok: false, reason: "malformed" };
  const [, issued, nonce, given] = parts as [string, string, string, string];
  if (!/^[0-9a-z]{1,10}$/.test(issued) || !/^[A-Za-z0-9_-]{22}$/.test(nonce))
    return { ok: false, reason: "malformed" };
  const expected = Buffer.from(mac(keys, issued, nonce));
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
    return { ok: false, reason: "signature" };
  const issuedMs = Number.parseInt(issued, 36) * 1000;
  // A clock a little behind the issuer's is fine; a link from the far future was not made by this machine's clock.
  if (issuedMs > now + 5 * 60 * 1000) return { ok: false, reason: "future" };
  const expiresAt = issuedMs + CONSOLE_LINK_LIFETIME_MS;
  if (expiresAt <= now) return { ok: false, reason: "expired" };
  return { ok: true, nonce, expiresAt };
}
