// A free TCP port for the master's store, found the way Lightning's find_free_network_port does: bind port 0,
// read the port the OS chose, close.
import { createServer } from "node:net";

/** A TCP port on `host` that was free a moment ago (the store binds it soon after). */
export function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
