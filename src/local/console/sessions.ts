import { randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { checkConsoleToken } from "../../common/console-link";
import { readJsonFile, writeFileAtomically } from "../core/store";

/**
 * Console sessions. A sign-in link's token is taken once and opens a session with two secrets:
 * - the session id, in a cookie (HttpOnly, SameSite=Strict, Path=/_console): what the browser sends with every
 *   request to the console, page and assets included; page scripts cannot read it;
 * - the session key, handed to the page once (in the redirect's fragment, which never reaches a server) and kept
 *   in the page's localStorage, which only pages of this very origin (scheme, host and port) can read. Every API
 *   request carries it in `X-Console-Key`, so it is also the CSRF token of the actions.
 * A cookie is not bound to a port: a browser sends ours to any server on 127.0.0.1 whose path matches, another
 * local user's included. That server could replay the cookie, but without the key it reads nothing but the
 * public page and scripts. Sessions live in memory: a restarted server needs a new link (it prints one).
 */

const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 64;

export interface ConsoleSession {
  id: string;
  key: string;
  created: number;
  lastSeen: number;
}

export type SignInResult =
  | { ok: true; session: ConsoleSession }
  | { ok: false; reason: "malformed" | "signature" | "expired" | "future" | "used" };

interface UsedLink {
  nonce: string;
  expiresAt: number;
}

export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly used = new Map<string, number>();
  private readonly usedFile: string;

  constructor(
    stateDir: string,
    private readonly keys: { accessKeyId: string; secretAccessKey: string },
  ) {
    const dir = join(stateDir, "console");
    this.usedFile = join(dir, "used-sign-in-links.json");
    mkdirSync(dir, { recursive: true });
    const now = Date.now();
    for (const link of readJsonFile<UsedLink[]>(this.usedFile, "the console's used sign-in links") ?? []) {
      if (typeof link?.nonce === "string" && link.expiresAt > now) this.used.set(link.nonce, link.expiresAt);
    }
  }

  /** Takes a sign-in token once: a new session, or why not. */
  signIn(token: string, now: number = Date.now()): SignInResult {
    const check = checkConsoleToken(token, this.keys, now);
    if (!check.ok) return check;
    if (this.used.has(check.nonce)) return { ok: false, reason: "used" };
    this.used.set(check.nonce, check.expiresAt);
    this.saveUsed(now);
    this.sweep(now);
    const session: ConsoleSession = {
      id: randomBytes(32).toString("base64url"),
      key: randomBytes(32).toString("base64url"),
      created: now,
      lastSeen: now,
    };
    this.sessions.set(session.id, session);
    return { ok: true, session };
  }

  /** The session of a cookie value, when it is current (and, given a key, when the key is the session's). */
  find(id: string | undefined, key?: string, now: number = Date.now()): ConsoleSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (now - session.lastSeen > SESSION_IDLE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    if (key !== undefined && !sameText(key, session.key)) return undefined;
    session.lastSeen = now;
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  private sweep(now: number): void {
    for (const [id, session] of this.sessions) {
      if (now - session.lastSeen > SESSION_IDLE_MS) this.sessions.delete(id);
    }
    // A flood of links (each needs the key) cannot grow the table without bound: the oldest go first.
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
  }

  private saveUsed(now: number): void {
    for (const [nonce, expiresAt] of this.used) if (expiresAt <= now) this.used.delete(nonce);
    const list: UsedLink[] = [...this.used].map(([nonce, expiresAt]) => ({ nonce, expiresAt }));
    try {
      writeFileAtomically(this.usedFile, JSON.stringify(list), 0o600);
    } catch {
      // The state folder went away (tests remove it): the in-memory list still refuses a second use.
    }
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
