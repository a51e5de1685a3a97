/**
 * The viewer on its own server, over a store that does not change (`syvain-otel view <file>`,
 * the bench): the same routes the emulator serves at `/`, and nothing else.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmulatorStore } from "../emulator-store.ts";
import { createViewer, pathOf } from "./viewer-routes.ts";

export interface ViewerServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  close(): Promise<void>;
}

export async function startViewerServer(store: EmulatorStore, options: { port?: number } = {}): Promise<ViewerServer> {
  const viewer = createViewer(store);
  const server = createServer((req, res) => {
    if (viewer.owns(pathOf(req.url))) return viewer.handle(req, res);
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: the viewer is at /\n");
  });
  // Loopback only: the viewer needs no key because nobody else can reach it.
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const closed = once(server, "close");
      viewer.close();
      server.close();
      server.closeAllConnections();
      await closed;
    })());
  return { url: `http://127.0.0.1:${port}/`, close, [Symbol.asyncDispose]: close };
}
