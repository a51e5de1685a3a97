/**
 * A TCP gate in front of a Syvain (the emulator): while closed it accepts every connection and
 * answers nothing (a hanging Syvain, as a black-holed network looks to a client); `open()` forwards
 * what each held connection sent, and everything after, to the real server. A request whose client
 * gave up (a timeout, a killed process) still reaches the server then, so its answer is lost: the
 * case an idempotency key exists for.
 */
import net from "node:net";
import { once } from "node:events";
import type { AddressInfo } from "node:net";

export interface GatedSyvain {
  readonly url: string;
  /** Connections accepted and not forwarded yet. */
  readonly held: number;
  /** Held connections the client closed (it gave up waiting: a timeout, an abort, its process died). */
  readonly abandoned: number;
  open(): void;
  close(): Promise<void>;
}

export async function startGate(targetPort: number): Promise<GatedSyvain> {
  let opened = false;
  let abandoned = 0;
  const waiting = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    const received: Buffer[] = [];
    let ended = false;
    const hold = (chunk: Buffer): number => received.push(chunk);
    client.on("data", hold);
    client.once("end", () => (ended = true));
    const forward = (): void => {
      waiting.delete(forward);
      client.off("data", hold);
      const upstream = net.connect({ port: targetPort, host: "127.0.0.1", allowHalfOpen: true });
      track(upstream);
      for (const chunk of received) upstream.write(chunk);
      // A client that is gone sent all it will: the server still gets the request, its answer goes nowhere.
      if (ended || client.destroyed) upstream.end();
      else client.pipe(upstream);
      upstream.pipe(client).on("error", () => undefined);
      client.once("close", () => upstream.end());
    };
    if (opened) forward();
    else waiting.add(forward);
    // Half-open sockets (`allowHalfOpen`, so a request is forwarded whole): a client that gives up sends its FIN, an `end`.
    let gaveUp = false;
    const leave = (): void => {
      if (gaveUp || !waiting.has(forward)) return;
      gaveUp = true;
      abandoned++;
    };
    client.once("end", leave).once("close", leave);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get held() {
      return waiting.size;
    },
    get abandoned() {
      return abandoned;
    },
    open() {
      opened = true;
      for (const forward of [...waiting]) forward();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}
