/**
 * Graceful shutdown of a node:http server under keep-alive load. `server.close()` alone stops accepting but keeps
 * serving every open keep-alive connection until it idles out, and `closeAllConnections()` at a deadline resets the
 * requests in flight. Instead: once draining, every response says `Connection: close` (so the client opens no new
 * request on that socket), a connection idle for IDLE_GRACE_MS is ended, and the drain resolves when no
 * connection and no request handler is left (or, past the deadline, after cutting off what remains).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import net, { type Socket } from "node:net";

/**
 * How long a connection must have been idle before a drain ends it. A request already on the wire but not yet
 * read would be lost (a reset), so this must exceed any pause of a busy client or of this event loop; clients
 * face the same race with every server's keep-alive timeout (Node's default: 5 s).
 */
export const IDLE_GRACE_MS = 1_000;
const SWEEP_MS = 50;

interface ConnectionState {
  active: number;
  idleSince: number;
}

export class GracefulDrain {
  private readonly connections = new Map<Socket, ConnectionState>();
  private handlers = 0;
  /** Responses whose headers may still change: they learn about a drain that starts while they run. */
  private readonly pending = new Set<ServerResponse>();
  private draining = false;
  private drained?: Promise<void>;

  constructor(private readonly server: Server) {
    server.on("connection", (socket: Socket) => {
      this.connections.set(socket, { active: 0, idleSince: Date.now() });
      socket.once("close", () => this.connections.delete(socket));
    });
  }

  /** Wraps a request handler: counts it in flight and marks its response `Connection: close` once draining. */
  track(
    handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  ): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const state = this.connections.get(req.socket);
      if (state) state.active++;
      if (this.draining) res.setHeader("connection", "close");
      else this.pending.add(res);
      this.handlers++;
      res.once("close", () => {
        this.pending.delete(res);
        if (state) {
          state.active--;
          state.idleSince = Date.now();
        }
      });
      handler(req, res).finally(() => this.handlers--);
    };
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Stops accepting, lets in-flight requests finish and resolves when nothing is left, or cuts off after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    this.drained ??= new Promise<void>((resolve) => {
      this.draining = true;
      // net.Server's close stops accepting; http.Server's would also destroy every connection idle at this
      // instant, which under load includes those whose next request is already on the wire (a reset).
      net.Server.prototype.close.call(this.server);
      for (const res of this.pending) if (!res.headersSent) res.setHeader("connection", "close");
      const deadline = Date.now() + timeoutMs;
      const sweep = setInterval(() => {
        const now = Date.now();
        for (const [socket, state] of this.connections) {
          if (state.active === 0 && now - state.idleSince >= IDLE_GRACE_MS) socket.end();
        }
        if (now >= deadline) for (const socket of this.connections.keys()) socket.destroy();
        if (this.connections.size === 0 && (this.handlers === 0 || now >= deadline)) {
          clearInterval(sweep);
          resolve();
        }
      }, SWEEP_MS);
    });
    return this.drained;
  }
}
