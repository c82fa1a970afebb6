/**
 * How the pages talk to the console's API: every request carries the session key (kept in this origin's
 * localStorage since the sign-in link handed it over in the URL fragment) next to the HttpOnly cookie the browser
 * sends by itself. Views arrive as server-sent events over fetch (EventSource cannot send the key).
 */

const KEY_STORAGE = "local-sagemaker-console-key";
const API = "/_console/api";

/** Takes the key out of the address (#key=…) once, after sign-in, and keeps it. */
export function adoptKeyFromLocation(): void {
  const match = /^#key=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!match) return;
  localStorage.setItem(KEY_STORAGE, match[1] as string);
  history.replaceState(null, "", `${window.location.pathname}#/`);
}

function key(): string {
  return localStorage.getItem(KEY_STORAGE) ?? "";
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** The session is gone (server restarted, signed out) or this browser never had its key. */
  get signedOut(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

async function failure(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
  return new ApiError(
    response.status,
    body.code ?? String(response.status),
    body.message ?? response.statusText,
  );
}

function query(params: Record<string, string>): string {
  const text = new URLSearchParams(params).toString();
  return text ? `?${text}` : "";
}

export async function getView<T>(page: string, params: Record<string, string>): Promise<T> {
  const response = await fetch(`${API}/view/${page}${query(params)}`, {
    headers: { "X-Console-Key": key() },
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

export async function action(name: string, input: Record<string, string>): Promise<void> {
  const response = await fetch(`${API}/action/${name}`, {
    method: "POST",
    headers: { "X-Console-Key": key(), "Content-Type": "application/json" },
    body: JSON.stringify(input),
  });
  if (!response.ok) throw await failure(response);
}

export async function signOut(): Promise<void> {
  await fetch(`${API}/sign-out`, {
    method: "POST",
    headers: { "X-Console-Key": key(), "Content-Type": "application/json" },
    body: "{}",
  });
  localStorage.removeItem(KEY_STORAGE);
}

/** Downloads an S3 object through the API (with the key), then hands it to the browser as a file. */
export async function download(bucket: string, objectKey: string): Promise<void> {
  const response = await fetch(`${API}/download${query({ bucket, key: objectKey })}`, {
    headers: { "X-Console-Key": key() },
  });
  if (!response.ok) throw await failure(response);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = objectKey.split("/").pop() || "object";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export interface LiveHandlers<T> {
  view(view: T): void;
  failure(error: ApiError): void;
  connected(on: boolean): void;
}

/**
 * Follows a page's view: the server sends it at once and again whenever it changes. A dropped stream is opened
 * again after a pause; a refused one (signed out) is reported and left closed. Returns the way to stop.
 */
export function followView<T>(page: string, params: Record<string, string>, on: LiveHandlers<T>): () => void {
  const controller = new AbortController();
  let stopped = false;
  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        const response = await fetch(`${API}/live/${page}${query(params)}`, {
          headers: { "X-Console-Key": key(), Accept: "text/event-stream" },
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          const error = await failure(response);
          on.failure(error);
          if (error.signedOut || error.status === 404) return;
        } else {
          on.connected(true);
          await readEvents(response.body, (event, data) => {
            if (event === "view") on.view(JSON.parse(data) as T);
            if (event === "failure") {
              const body = JSON.parse(data) as { code: string; message: string; status: number };
              on.failure(new ApiError(body.status, body.code, body.message));
            }
          });
        }
      } catch (error) {
        if (stopped) return;
        on.failure(new ApiError(0, "Disconnected", (error as Error).message));
      }
      on.connected(false);
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller.abort();
  };
}

async function readEvents(
  body: ReadableStream<Uint8Array>,
  emit: (event: string, data: string) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length > 0) emit(event, data.join("\n"));
      end = buffer.indexOf("\n\n");
    }
  }
}
