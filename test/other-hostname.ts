/**
 * Running a child under another hostname, as a process in another container of this machine sees
 * itself (Docker gives each container its id as hostname): `unshare --uts` gives it its own hostname
 * and nothing else, so the kernel (boot id), the filesystem and the sockets on it are shared. Needs
 * root (or unprivileged user namespaces) and util-linux: `otherHostnameSupported` says whether it
 * works here, and tests that need it skip otherwise.
 */
import { spawnSync } from "node:child_process";

export const otherHostnameSupported: boolean = spawnSync("unshare", ["--uts", "hostname", "uts-probe"], { stdio: "ignore" }).status === 0;

/** What to spawn to run `command args` under `hostname` (exec'd: the child's pid is the command's own). */
export function underHostname(hostname: string, command: string, args: readonly string[]): [string, string[]] {
  return ["unshare", ["--uts", "/bin/sh", "-c", 'hostname "$0" && exec "$@"', hostname, command, ...args]];
}
