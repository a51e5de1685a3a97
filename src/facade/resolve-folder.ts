/** `folderPath` → folder id, with the one extra request the Python SDK documents. */
import type { SyvainClient } from "../exporter/client/client-types.ts";
import { SyvainError } from "../errors.ts";

/** Raises `not_found` when no folder has the path and `conflict` when several do; both name the path. */
export async function resolveFolderPath(client: SyvainClient, path: string): Promise<string> {
  const folders = await client.findFolders(path);
  const [first, ...rest] = folders;
  if (first === undefined) {
    throw new SyvainError("not_found", `folderPath ${JSON.stringify(path)}: no folder has this path (create it in the dashboard, or pass folderId)`);
  }
  if (rest.length > 0) {
    throw new SyvainError(
      "conflict",
      `folderPath ${JSON.stringify(path)} is ambiguous: ${folders.length} folders match (ids ${folders.map((f) => f.id).join(", ")}); pass folderId`,
    );
  }
  return first.id;
}
