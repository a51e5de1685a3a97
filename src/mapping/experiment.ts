/**
 * OTel resource ⇄ Syvain experiment identity.
 *
 * Slug: the `slug` option (a string, or a resolver whose `undefined` falls through), else the
 * resource attribute `syvain.experiment.slug`, else `service.name` unless it is the SDK's placeholder
 * `unknown_service` / `unknown_service:<process>` (which would pour every unnamed process into one
 * experiment). No slug, or an invalid one, throws a `SyvainValidationError` naming the attribute or
 * option: the exporter turns it into a failed export for that resource, nothing else is lost.
 * A valid slug is a string of 1–255 characters without control characters and without
 * leading/trailing whitespace.
 *
 * Folder: `syvain.folder.id` or `syvain.folder.path` (an absolute path, `/…`), else the
 * `defaultFolderId` / `defaultFolderPath` option; both id and path at the same level is an error.
 * Metadata: every resource attribute except the four `syvain.*` identity keys, un-flattened
 * (`config.batch_size` → `{ config: { batch_size } }`, see `unflattenMeta`).
 */
import type { Attributes } from "@opentelemetry/api";
import type { JsonObject } from "../api/contract.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { flattenMeta, unflattenMeta } from "./meta-flatten.ts";

export const SLUG_ATTRIBUTE = "syvain.experiment.slug";
export const DESCRIPTION_ATTRIBUTE = "syvain.experiment.description";
export const FOLDER_ID_ATTRIBUTE = "syvain.folder.id";
export const FOLDER_PATH_ATTRIBUTE = "syvain.folder.path";
export const SERVICE_NAME_ATTRIBUTE = "service.name";
export const MAX_SLUG_CHARS = 255;

const IDENTITY_ATTRIBUTES: ReadonlySet<string> = new Set([
  SLUG_ATTRIBUTE,
  DESCRIPTION_ATTRIBUTE,
  FOLDER_ID_ATTRIBUTE,
  FOLDER_PATH_ATTRIBUTE,
]);

/**
 * What an experiment is made of, whoever asks for it (the facade, the exporters, the bridge):
 * the API's field names (`metadata`), so it maps onto a creation body one to one.
 */
export interface ExperimentSpec {
  slug: string;
  description?: string;
  folderId?: string;
  folderPath?: string;
  metadata: JsonObject;
}

export type SlugResolver = (attributes: Attributes) => string | undefined;

export interface ExperimentFromResourceOptions {
  /** Overrides the resource: a fixed slug, or a resolver (returning `undefined` falls back to the attributes). */
  slug?: string | SlugResolver;
  defaultFolderId?: string;
  defaultFolderPath?: string;
}

export interface ExperimentAttributesInput {
  slug: string;
  description?: string;
  folderId?: string;
  folderPath?: string;
  meta?: JsonObject;
}

export function experimentFromResource(
  attributes: Attributes,
  options: ExperimentFromResourceOptions = {},
): ExperimentSpec {
  const identity: ExperimentSpec = { slug: resolveSlug(attributes, options), metadata: {} };
  const description = optionalString(attributes, DESCRIPTION_ATTRIBUTE);
  if (description !== undefined) identity.description = description;

  const folderId = optionalString(attributes, FOLDER_ID_ATTRIBUTE);
  const folderPath = optionalString(attributes, FOLDER_PATH_ATTRIBUTE);
  if (folderId !== undefined || folderPath !== undefined) {
    assignFolder(identity, folderId, folderPath, [FOLDER_ID_ATTRIBUTE, FOLDER_PATH_ATTRIBUTE]);
  } else {
    assignFolder(identity, options.defaultFolderId, options.defaultFolderPath, ["defaultFolderId", "defaultFolderPath"]);
  }

  const rest: Attributes = {};
  for (const key of Object.keys(attributes)) {
    if (!IDENTITY_ATTRIBUTES.has(key)) rest[key] = attributes[key];
  }
  identity.metadata = unflattenMeta(rest);
  return identity;
}

/** The resource attributes that `experimentFromResource` reads back into the same identity. */
export function resourceAttributesFromExperiment(input: ExperimentAttributesInput): Attributes {
  const attributes = input.meta === undefined ? {} : flattenMeta(input.meta);
  for (const key of IDENTITY_ATTRIBUTES) {
    if (Object.hasOwn(attributes, key)) {
      throw new SyvainValidationError(`meta.${key}`, attributes[key], `meta must not set "${key}": it is the experiment's own field`);
    }
  }
  attributes[SLUG_ATTRIBUTE] = checkSlug(input.slug, "slug");
  if (input.description !== undefined) attributes[DESCRIPTION_ATTRIBUTE] = checkString(input.description, "description");
  const folder: ExperimentSpec = { slug: input.slug, metadata: {} };
  assignFolder(folder, input.folderId, input.folderPath, ["folderId", "folderPath"]);
  if (folder.folderId !== undefined) attributes[FOLDER_ID_ATTRIBUTE] = folder.folderId;
  if (folder.folderPath !== undefined) attributes[FOLDER_PATH_ATTRIBUTE] = folder.folderPath;
  return attributes;
}

function resolveSlug(attributes: Attributes, options: ExperimentFromResourceOptions): string {
  if (typeof options.slug === "string") return checkSlug(options.slug, "slug");
  if (typeof options.slug === "function") {
    const resolved = options.slug(attributes);
    if (resolved !== undefined) return checkSlug(resolved, "slug (resolver result)");
  }
  const fromAttribute = attributes[SLUG_ATTRIBUTE];
  if (fromAttribute !== undefined) return checkSlug(fromAttribute, SLUG_ATTRIBUTE);
  const serviceName = attributes[SERVICE_NAME_ATTRIBUTE];
  if (serviceName !== undefined && !isPlaceholderServiceName(serviceName)) {
    return checkSlug(serviceName, SERVICE_NAME_ATTRIBUTE);
  }
  throw new SyvainValidationError(
    SLUG_ATTRIBUTE,
    serviceName,
    `no experiment slug: set the resource attribute "${SLUG_ATTRIBUTE}" (or a real "${SERVICE_NAME_ATTRIBUTE}"; ` +
      `got ${JSON.stringify(serviceName) ?? "none"}) or the exporter option "slug"`,
  );
}

function isPlaceholderServiceName(value: unknown): boolean {
  return typeof value === "string" && (value === "unknown_service" || value.startsWith("unknown_service:"));
}

/** Returns the slug when valid, else throws naming `field`. */
export function checkSlug(value: unknown, field: string): string {
  const slug = checkString(value, field);
  let problem: string | undefined;
  if (slug.length === 0) problem = "must not be empty";
  else if (slug.length > MAX_SLUG_CHARS) problem = `must be at most ${MAX_SLUG_CHARS} characters (got ${slug.length})`;
  else if (slug.trim() !== slug) problem = "must not start or end with whitespace";
  else if (hasControlCharacter(slug)) problem = "must not contain control characters";
  if (problem !== undefined) {
    throw new SyvainValidationError(field, value, `${field} ${problem}: ${JSON.stringify(slug)}`);
  }
  return slug;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return true;
  }
  return false;
}

function checkString(value: unknown, field: string): string {
  if (typeof value === "string") return value;
  throw new SyvainValidationError(field, value, `${field} must be a string, got ${typeof value} ${String(value)}`);
}

function optionalString(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  return value === undefined ? undefined : checkString(value, key);
}

function assignFolder(
  identity: ExperimentSpec,
  folderId: string | undefined,
  folderPath: string | undefined,
  [idField, pathField]: readonly [string, string],
): void {
  if (folderId !== undefined && folderPath !== undefined) {
    throw new SyvainValidationError(pathField, folderPath, `set a folder id or a folder path, not both (id ${JSON.stringify(folderId)}, path ${JSON.stringify(folderPath)})`);
  }
  if (folderId !== undefined) {
    if (checkString(folderId, idField).length === 0) throw new SyvainValidationError(idField, folderId, `${idField} must not be empty`);
    identity.folderId = folderId;
  }
  if (folderPath !== undefined) {
    if (!checkString(folderPath, pathField).startsWith("/")) {
      throw new SyvainValidationError(pathField, folderPath, `${pathField} must be an absolute folder path starting with "/", got ${JSON.stringify(folderPath)}`);
    }
    identity.folderPath = folderPath;
  }
}
