/**
 * The envelope metrics and logs requests share on the wire:
 * `Export*ServiceRequest { 1: repeated Resource* }`, `Resource* { 1: resource, 2: repeated Scope*,
 * 3: schema_url }`, `Scope* { 1: scope, 2: repeated item, 3: schema_url }` — only the item
 * (`Metric`, `LogRecord`) differs. Errors name where they happened, e.g.
 * `resourceMetrics[0].scopeMetrics[1].metrics[2]`.
 */
import { decodeResource, decodeScope, type DecodedResource, type DecodedScope } from "./decode-common-proto.ts";
import { decodingField as within } from "./otlp-decode-error.ts";
import { ProtoReader, WireType } from "./proto-reader.ts";

export interface ScopeGroup<T> {
  scope: DecodedScope;
  schemaUrl: string;
  items: T[];
}

export interface ResourceGroup<T> {
  resource: DecodedResource;
  schemaUrl: string;
  scopes: ScopeGroup<T>[];
}

export interface EnvelopeNames {
  /** JSON names for error paths: `resourceMetrics`, `scopeMetrics`, `metrics`. */
  resources: string;
  scopes: string;
  items: string;
}

/** Decodes every resource group of a request body; `decodeItem` returns `undefined` to leave an item out. */
export function decodeEnvelope<T>(body: Uint8Array, names: EnvelopeNames, decodeItem: (reader: ProtoReader) => T | undefined): ResourceGroup<T>[] {
  const reader = new ProtoReader(body);
  const groups: ResourceGroup<T>[] = [];
  while (reader.hasMore()) {
    const key = reader.key();
    if (key >>> 3 !== 1) {
      reader.skip(key & 7);
      continue;
    }
    reader.expect(key & 7, WireType.LEN, names.resources);
    const message = reader.message();
    groups.push(within(`${names.resources}[${groups.length}]`, () => decodeResourceGroup(message, names, decodeItem)));
  }
  return groups;
}

function decodeResourceGroup<T>(reader: ProtoReader, names: EnvelopeNames, decodeItem: (reader: ProtoReader) => T | undefined): ResourceGroup<T> {
  const group: ResourceGroup<T> = { resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: "", scopes: [] };
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1: {
        reader.expect(wireType, WireType.LEN, "resource");
        const message = reader.message();
        group.resource = within("resource", () => decodeResource(message));
        break;
      }
      case 2: {
        reader.expect(wireType, WireType.LEN, names.scopes);
        const message = reader.message();
        group.scopes.push(within(`${names.scopes}[${group.scopes.length}]`, () => decodeScopeGroup(message, names, decodeItem)));
        break;
      }
      case 3:
        reader.expect(wireType, WireType.LEN, "schema_url");
        group.schemaUrl = reader.string();
        break;
      default:
        reader.skip(wireType);
    }
  }
  return group;
}

function decodeScopeGroup<T>(reader: ProtoReader, names: EnvelopeNames, decodeItem: (reader: ProtoReader) => T | undefined): ScopeGroup<T> {
  const group: ScopeGroup<T> = { scope: { name: "", version: "", attributes: {}, droppedAttributesCount: 0 }, schemaUrl: "", items: [] };
  let index = 0;
  while (reader.hasMore()) {
    const key = reader.key();
    const wireType = key & 7;
    switch (key >>> 3) {
      case 1: {
        reader.expect(wireType, WireType.LEN, "scope");
        const message = reader.message();
        group.scope = within("scope", () => decodeScope(message));
        break;
      }
      case 2: {
        reader.expect(wireType, WireType.LEN, names.items);
        const message = reader.message();
        const item = within(`${names.items}[${index++}]`, () => decodeItem(message));
        if (item !== undefined) group.items.push(item);
        break;
      }
      case 3:
        reader.expect(wireType, WireType.LEN, "schema_url");
        group.schemaUrl = reader.string();
        break;
      default:
        reader.skip(wireType);
    }
  }
  return group;
}
