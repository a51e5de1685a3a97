/**
 * A Syvain API that creates experiments and then never answers anything else (ingest, status
 * updates): uploads hang until the client gives up. It records every hung request and whether the
 * client closed its socket, which is how a test sees that a deadline aborted the request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";

export interface HangingServer {
  readonly host: string;
  readonly apiKey: string;
  /** Requests left unanswered so far. */
  readonly hung: number;
  /** Hung requests whose socket the client closed. */
  readonly aborted: number;
  close(): Promise<void>;
}

export async function startHangingServer(): Promise<HangingServer> {
  let hung = 0;
  let aborted = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "POST" && req.url === "/api/v1/experiments") {
      let body = "";
      req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const { slug } = JSON.parse(body) as { slug: string };
        const experiment = { id: `exp-${slug}`, slug, description: null, folder_id: null, metadata: {}, status: "created", created_at: Date.now() };
        res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ experiment }));
      });
      return;
    }
    hung++;
    req.resume();
    req.socket.once("close", () => aborted++);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    host: `http://127.0.0.1:${port}`,
    apiKey: "ak_test_hanging",
    get hung() {
      return hung;
    },
    get aborted() {
      return aborted;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
