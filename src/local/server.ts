import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import type { LocalCredentials } from "../common/local-credentials";
import { DEFAULT_LOCAL_PORT, defaultStateDir } from "../common/local-sagemaker";
import { createLocalApp } from "./app";
import type { CloudWatchService } from "./services/cloudwatch/service";
import { type LocalSettings, loadSettings } from "./settings";
import { lockStateDir, type StateLock } from "./state-lock";

export interface LocalServer {
  url: string;
  port: number;
  stateDir: string;
  /** The state folder's credentials (also in `<stateDir>/credentials`, profile `local`). */
  credentials: LocalCredentials;
  /** The region its ARNs carry and signatures must be scoped to. */
  region: string;
  /**
   * The server's CloudWatch, in-process: what its services publish to (`publish` takes the reserved `AWS/`
   * namespaces PutMetricData refuses), for embedding code and tests that stand in for a service's metrics.
   */
  cloudwatch: CloudWatchService;
  /** Stops the services (child processes) and the HTTP server; state stays on disk. */
  close(): Promise<void>;
}

export interface LocalServerOptions {
  /** 0 picks any free port. Default 7070. */
  port?: number;
  stateDir?: string;
  /** Called when a client POSTs /_local/shutdown, after the server has closed. */
  onShutdown?: () => void;
  /** Settings that win over the LOCAL_SAGEMAKER_* variables (tests, embedding). */
  settings?: Partial<LocalSettings>;
}

/** The loopback address is fixed: local SageMaker runs code it is sent, so it must never face a network. */
const LOOPBACK = "127.0.0.1";

export { DEFAULT_LOCAL_PORT };

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const stateDir = resolve(options.stateDir ?? defaultStateDir());
  const { settings, warnings } = loadSettings(process.env, options.settings);
  for (const warning of warnings) process.stderr.write(`local-sagemaker: warning: ${warning}\n`);
  let url = "";
  let closing: Promise<void> | undefined;
  const app = createLocalApp({
    stateDir,
    settings,
    url: () => url,
    onShutdownRequest: () => {
      void close().then(() => options.onShutdown?.());
    },
  });
  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    void app.handle(req, res);
  });
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  await listen(server, options.port ?? DEFAULT_LOCAL_PORT);
  const port = (server.address() as AddressInfo).port;
  url = `http://${LOOPBACK}:${port}`;
  let lock: StateLock | undefined;
  try {
    lock = lockStateDir(stateDir, url);
    await app.start();
  } catch (error) {
    lock?.release();
    await new Promise<void>((done) => server.close(() => done()));
    throw error;
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      try {
        await app.stop();
      } finally {
        // Requests in flight get a moment to finish; then remaining keep-alive sockets are cut.
        const timer = setTimeout(() => server.closeAllConnections(), 2_000);
        await closed;
        clearTimeout(timer);
        lock?.release();
      }
    })();
    return closing;
  }

  return {
    url,
    port,
    stateDir,
    credentials: app.credentials,
    region: app.context.region,
    cloudwatch: app.context.cloudwatch,
    close,
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((done, fail) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      if (error.code === "EADDRINUSE") {
        fail(
          new Error(
            `Port ${port} on ${LOOPBACK} is already in use. Stop whatever uses it, or pick another port (--port N, or 0 for any free port).`,
          ),
        );
      } else fail(error);
    };
    const onListening = (): void => {
      server.off("error", onError);
      done();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, LOOPBACK);
  });
}
