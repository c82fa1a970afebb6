/**
 * Every process local SageMaker starts is one of our Node entry points with an IPC channel to the server, and leads
 * its own process group. When the channel closes the server is gone (stopped, crashed, or killed with SIGKILL):
 * the process then ends its whole group, the user's scripts included, so nothing runs on without its server.
 */
export function endWithParent(): void {
  if (!process.send) return; // started by hand, without a server: nothing to watch
  process.on("disconnect", () => {
    try {
      process.kill(-process.pid, "SIGKILL");
    } catch {
      process.exit(1);
    }
  });
}
