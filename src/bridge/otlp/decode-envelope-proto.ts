/**
 * The envelope metrics and logs requests share on the wire:
 * `Export*ServiceRequest { 1: repeated Resource* }`, `Resource* { 1: resource, 2: repeated Scope*,
 * 3: schema_url }`, `Scope* { 1: scope, 2: repeated item, 3: schema_url }` — only the item
 * (`Metric`, `LogRecord`) differs. Errors name where they happened, e.g.
 * `resourceMetrics[0].scopeMetrics[1].metrics[2]`.
 */
import { decodeResource, decodeScope, type DecodedResource, type DecodedScope } from "./decode-common-proto.ts";
import { decodingField as within } from "./otlp-decode-error.ts";
import { fieldTable, readFields, type FieldSpec } from "./proto-fields.ts";
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

type ItemDecoder<T> = (reader: ProtoReader) => T | undefined;

interface RequestState<T> {
  groups: ResourceGroup<T>[];
  decodeItem: ItemDecoder<T>;
}

interface ResourceGroupState<T> {
  group: ResourceGroup<T>;
  decodeItem: ItemDecoder<T>;
}

interface ScopeGroupState<T> {
  group: ScopeGroup<T>;
  decodeItem: ItemDecoder<T>;
  /** Items read so far, kept or not: the index an error names. */
  index: number;
}

export type EnvelopeDecoder = <T>(body: Uint8Array, decodeItem: ItemDecoder<T>) => ResourceGroup<T>[];

function schemaUrlField<S extends { group: { schemaUrl: string } }>(): FieldSpec<S> {
  return {
    name: "schema_url",
    wireType: WireType.LEN,
    read: (r, s) => {
      s.group.schemaUrl = r.string();
    },
  };
}

/**
 * The decoder of one signal's envelope; `decodeItem` (given per body) returns `undefined` to
 * leave an item out.
 */
export function envelopeDecoder(names: EnvelopeNames): EnvelopeDecoder {
  const scopeFields = fieldTable<ScopeGroupState<unknown>>({
    1: { name: "scope", wireType: WireType.LEN, read: (r, s) => void (s.group.scope = readMessage(r, "scope", decodeScope)) },
    2: {
      name: names.items,
      wireType: WireType.LEN,
      read: (r, s) => {
        const item = readMessage(r, `${names.items}[${s.index++}]`, s.decodeItem);
        if (item !== undefined) s.group.items.push(item);
      },
    },
    3: schemaUrlField(),
  });
  const resourceFields = fieldTable<ResourceGroupState<unknown>>({
    1: { name: "resource", wireType: WireType.LEN, read: (r, s) => void (s.group.resource = readMessage(r, "resource", decodeResource)) },
    2: {
      name: names.scopes,
      wireType: WireType.LEN,
      read: (r, s) => {
        const group: ScopeGroup<unknown> = { scope: { name: "", version: "", attributes: {}, droppedAttributesCount: 0 }, schemaUrl: "", items: [] };
        s.group.scopes.push(group);
        readMessage(r, `${names.scopes}[${s.group.scopes.length - 1}]`, (m) => readFields(m, scopeFields, { group, decodeItem: s.decodeItem, index: 0 }));
      },
    },
    3: schemaUrlField(),
  });
  const requestFields = fieldTable<RequestState<unknown>>({
    1: {
      name: names.resources,
      wireType: WireType.LEN,
      read: (r, s) => {
        const group: ResourceGroup<unknown> = { resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: "", scopes: [] };
        s.groups.push(group);
        readMessage(r, `${names.resources}[${s.groups.length - 1}]`, (m) => readFields(m, resourceFields, { group, decodeItem: s.decodeItem }));
      },
    },
  });
  return <T>(body: Uint8Array, decodeItem: ItemDecoder<T>): ResourceGroup<T>[] => {
    const state: RequestState<T> = { groups: [], decodeItem };
    readFields(new ProtoReader(body), requestFields, state);
    return state.groups;
  };
}

/** Reads the embedded message that follows with `decode`, naming `segment` in any error's path. */
function readMessage<T>(reader: ProtoReader, segment: string, decode: (message: ProtoReader) => T): T {
  const message = reader.message();
  return within(segment, () => decode(message));
}
