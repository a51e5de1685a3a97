/**
 * A live writer's socket: every spool writer listens on a Unix socket, `LIVE`, in its own writer
 * folder, to answer the one question its LOCK cannot answer across containers: does it still run?
 *
 * A LOCK's pid and start time mean something only in the PID namespace that wrote them, and its
 * hostname is, in Docker, the container's id: a bridge whose container is recreated on the same
 * machine (a new image, `up --force-recreate`, `down` + `up`) found the dead one's folder "of
 * another host" and never delivered it. A filesystem socket is found through its inode, so any
 * process of this kernel that sees the folder (a shared volume) can connect to it; the kernel refuses
 * the connection (ECONNREFUSED) once the listening process is gone, SIGKILL included, and queues it
 * for a stopped or busy one. The boot id tells that a LOCK is of this kernel.
 *
 * Bound through `/proc/self/fd/<folder fd>/LIVE`, not the folder's path: a socket path is limited to
 * 107 bytes, which a default spool path, its host folder and a writer name often exceed; and the
 * descriptor follows the folder when it is renamed in (created as `.creating-...`). Linux only: the
 * boot id comes from /proc, and without one no LOCK is known to be of this kernel. Where no socket
 * can be bound, the LOCK records none and is judged as it always was.
 *
 * Cost: one listening socket and one directory descriptor per writer, nothing per event.
 */
import fs from "node:fs";
import net from "node:net";
import { debuglog } from "node:util";
import { ownerLiveness, type Liveness, type OwnerIdentity } from "./process-identity.ts";
import { LIVE_FILE } from "./spool-layout.ts";

/** `NODE_DEBUG=syvain-spool`: why a writer has no socket (it then works as before, so nothing louder). */
const debug = debuglog("syvain-spool");

/** A connection is taken or refused at once by the kernel; waiting longer means it is queued: alive. */
const PROBE_TIMEOUT_MS = 2000;

function socketPath(dirFd: number): string {
  return `/proc/self/fd/${dirFd}/${LIVE_FILE}`;
}

export class LiveSocket {
  readonly #server: net.Server;
  readonly #dirFd: number;
  /** What the LOCK records (`OwnerIdentity.liveSocket`). */
  readonly record: { dev: string };
  #closed = false;

  constructor(server: net.Server, dirFd: number, dev: string) {
    this.#server = server;
    this.#dirFd = dirFd;
    this.record = { dev };
  }

  /**
   * Stops listening. Node unlinks the socket file by the path it was bound to, at once, within
   * `close()`: through the folder's descriptor, still open then, so wherever the folder now is.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    fs.closeSync(this.#dirFd);
  }
}

/**
 * Listens on `<dir>/LIVE`; `undefined` where no socket can be had (not Linux, no /proc, a filesystem
 * without sockets). Unref'd: it never keeps the process alive. Connections are closed as they come:
 * connecting is the whole answer.
 */
export async function listenLive(dir: string): Promise<LiveSocket | undefined> {
  if (process.platform !== "linux") return undefined;
  let dirFd: number | undefined;
  try {
    dirFd = fs.openSync(dir, "r");
    const dev = fs.fstatSync(dirFd, { bigint: true }).dev.toString();
    const server = net.createServer({ pauseOnConnect: true }, (socket) => socket.destroy());
    server.unref();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath(dirFd!), () => {
        server.off("error", reject);
        resolve();
      });
    });
    // An accept that fails (EMFILE) is the server's 'error': never a crash of the writer.
    server.on("error", (error) => debug("live socket of %s: %s", dir, error.message));
    return new LiveSocket(server, dirFd, dev);
  } catch (error) {
    debug("no live socket in %s: %s", dir, (error as Error).message);
    if (dirFd !== undefined) fs.closeSync(dirFd);
    return undefined;
  }
}

/**
 * Whether the writer that bound `<dir>/LIVE` still runs: `dead` only when the kernel refuses the
 * connection; `unknown` for anything that proves nothing (no such file: deleted by someone, maybe
 * while its writer runs; another filesystem instance than the owner's, below; a full queue; no
 * permission). The LOCK's `dev` must be the folder's as seen here: two mounts of one NFS export are
 * two instances, and a socket bound through one is not found through the other (refused, alive).
 */
export async function probeLive(dir: string, record: { dev: string }): Promise<"alive" | "dead" | "unknown"> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, "r");
    if ((await handle.stat({ bigint: true })).dev.toString() !== record.dev) return "unknown";
    return await connect(socketPath(handle.fd));
  } catch {
    return "unknown";
  } finally {
    await handle?.close();
  }
}

function connect(socketFile: string): Promise<"alive" | "dead" | "unknown"> {
  return new Promise((resolve) => {
    const socket = net.connect(socketFile);
    const settle = (answer: "alive" | "dead" | "unknown"): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => settle("alive"), PROBE_TIMEOUT_MS);
    socket.once("connect", () => settle("alive"));
    // EAGAIN: a listener whose queue is full (a stopped or blocked writer) is there, so alive.
    socket.once("error", (error: NodeJS.ErrnoException) => settle(error.code === "ECONNREFUSED" ? "dead" : error.code === "EAGAIN" ? "alive" : "unknown"));
  });
}

/**
 * `ownerLiveness`, and the owner's socket where the LOCK alone can be wrong about a writer of this
 * kernel (same boot id) that recorded one: under another hostname (another container: `other-host`),
 * a refused connection makes it `dead` and an answer `alive`; under this hostname, a pid gone from
 * here may be a live writer in another PID namespace (a container sharing the hostname), so an
 * answer makes it `alive`. When the socket proves nothing, the LOCK's "dead" holds only for a writer
 * of our PID namespace (`pidNs`); else `other-host`. A released folder is not asked.
 */
export async function judgeOwner(dir: string, owner: OwnerIdentity, me: OwnerIdentity): Promise<Liveness> {
  const seen = ownerLiveness(owner, me);
  if (seen === "alive" || owner.released === true || owner.liveSocket === undefined || owner.bootId === undefined || owner.bootId !== me.bootId) return seen;
  const probed = await probeLive(dir, owner.liveSocket);
  if (probed !== "unknown") return probed;
  // The socket proves nothing (its file deleted, say by a tmp cleaner): a pid gone from here means a
  // dead writer only within its own PID namespace. From another (a container sharing the hostname),
  // the writer may be alive: not taken automatically, named as a folder we cannot judge (review 15, N2:
  // a live writer's folder was adopted, its run marked failed, 46,300 of 60,000 points lost).
  if (seen === "dead" && !(owner.pidNs !== undefined && owner.pidNs === me.pidNs)) return "other-host";
  return seen;
}
