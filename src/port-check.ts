import { createServer } from "node:net";

/**
 * Resolves when `port` can be bound on `host` (undefined = every interface), by binding it and letting go at once;
 * rejects with `portError`'s message otherwise. Port 0 always resolves. main.ts checks before it opens (and maybe
 * seeds) a database, so a busy port is reported in a second, not after the seed.
 */
export function checkPortFree(port: number, host?: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error) => reject(portError(error, port, host)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Returns `error` (from listen) with a message that says what to set when the port is busy or not allowed. */
export function portError(error: unknown, port: number, host?: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${host ?? "every interface"} port ${port}`;
  if (code === "EADDRINUSE")
    return new Error(
      `${where} is in use (another Favor?): set PORT to a free port, e.g. PORT=${port + 1}, or PORT=0 for any`,
    );
  if (code === "EACCES") return new Error(`${where} needs privileges: set PORT to 1024 or above`);
  if (code === "EADDRNOTAVAIL")
    return new Error(
      `${host} is not an address of this machine: set HOST to one of its addresses, or unset it`,
    );
  return error;
}

/** Returns the host part of a URL that reaches a server bound to `host` from this machine. */
export function urlHost(host: string | undefined): string {
  if (host === undefined || host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
