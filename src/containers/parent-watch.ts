/**
 * Every process local SageMaker starts is one of our Node entry points with an IPC channel to the server. When the
 * channel closes the server is gone (stopped, crashed, or killed with SIGKILL): the process then ends itself, and
 * the whole group it leads if it leads one (a training job's, with the user's scripts), so nothing runs on without
 * its server.
 */
export function endWithParent(): void {
  if (!process.send) return; // started by hand, without a server: nothing to watch
  process.on("disconnect", () => {
    try {
      // Only a group leader's pid names a group; for any other process this fails and it just exits.
      process.kill(-process.pid, "SIGKILL");
    } catch {
      process.exit(1);
    }
  });
}
