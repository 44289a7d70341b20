/*
 * A loopback TCP proxy whose network the test controls, for network-fault tests:
 *
 * - blackhole(): every open connection stops delivering in both directions and stays
 *   open, as behind a firewall or NAT that silently drops packets; bytes sent into it
 *   are lost. New connections are accepted and hear nothing. Connections that lived
 *   through a blackhole stay dead after heal(), as a dropped NAT entry does: only new
 *   connections work again.
 * - reset(): every open connection is cut with a TCP RST.
 * - latency(ms): every chunk is delivered ms later, in order.
 * - heal(): new connections are forwarded normally again.
 */
import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";

type Mode = { kind: "pass" } | { kind: "blackhole" } | { kind: "latency"; ms: number };

interface Pair {
  client: Socket;
  upstream: Socket | null;
  /** True once the pair lived through a blackhole: it never forwards again. */
  dead: boolean;
}

export class BlackholeProxy {
  private mode: Mode = { kind: "pass" };
  private readonly pairs = new Set<Pair>();
  /** Connections accepted so far, for reconnect counting. */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Starts a proxy on 127.0.0.1 (a free port) in front of `target`. */
  static async start(target: { host: string; port: number }): Promise<BlackholeProxy> {
    let proxy: BlackholeProxy | null = null;
    const server = createServer((client) => proxy?.accept(client, target));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    proxy = new BlackholeProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  /** Open connections through the proxy (those that are dead included). */
  get open(): number {
    return this.pairs.size;
  }

  blackhole(): void {
    this.mode = { kind: "blackhole" };
    for (const pair of this.pairs) pair.dead = true;
  }

  latency(ms: number): void {
    this.mode = { kind: "latency", ms };
  }

  heal(): void {
    this.mode = { kind: "pass" };
  }

  /** Cuts every open connection with a reset, as a crashed middlebox does. */
  reset(): void {
    for (const pair of this.pairs) this.drop(pair, true);
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.drop(pair, false);
    this.server.close();
    await once(this.server, "close");
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    this.accepted += 1;
    const pair: Pair = { client, upstream: null, dead: this.mode.kind === "blackhole" };
    this.pairs.add(pair);
    client.on("error", () => this.drop(pair, false));
    client.on("close", () => this.drop(pair, false));
    if (pair.dead) {
      // Accepted, then silence: what a client sees when its SYN gets through but nothing else.
      client.on("data", () => undefined);
      return;
    }
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    upstream.on("error", () => this.drop(pair, false));
    upstream.on("close", () => this.drop(pair, false));
    this.pipe(pair, client, upstream);
    this.pipe(pair, upstream, client);
  }

  /** Forwards `from` to `to` under the current mode, chunk by chunk and in order. */
  private pipe(pair: Pair, from: Socket, to: Socket): void {
    let tail = Promise.resolve();
    from.on("data", (chunk: Buffer) => {
      if (pair.dead) return;
      const mode = this.mode;
      if (mode.kind === "latency") {
        const due = Date.now() + mode.ms;
        tail = tail.then(async () => {
          const wait = due - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          if (!pair.dead && !to.destroyed) to.write(chunk);
        });
      } else {
        tail = tail.then(() => {
          if (!pair.dead && !to.destroyed) to.write(chunk);
        });
      }
    });
  }

  private drop(pair: Pair, reset: boolean): void {
    if (!this.pairs.delete(pair)) return;
    pair.dead = true;
    for (const socket of [pair.client, pair.upstream]) {
      if (socket === null || socket.destroyed) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
  }
}
