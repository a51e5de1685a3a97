/**
 * How two exporters come to share one `ExporterCore` without it appearing in their public
 * constructor signature: `createSyvainExporters` passes options carrying the core under a
 * module-private symbol; a user's options never carry it, so each exporter gets its own core.
 */
import { ownedBy } from "../../config/owned-errors.ts";
import { ExporterCore, type CoreOwnership } from "./exporter-core.ts";
import type { ExperimentJournals } from "./experiment-journals.ts";
import { parseExporterOptions, type SyvainExporterOptions } from "./exporter-options.ts";

const SHARED_CORE = Symbol("syvain-metrics-otel.sharedExporterCore");

export function optionsSharing(core: ExporterCore): SyvainExporterOptions {
  return { [SHARED_CORE]: core } as SyvainExporterOptions;
}

/**
 * Options for one exporter whose core journals its outboxes with an owner's `journals` (a facade
 * experiment's spool, for its OTel view): validated now, under the exporter's `owner` name.
 */
export function optionsWithJournals(options: SyvainExporterOptions, owner: string, journals: ExperimentJournals): SyvainExporterOptions {
  return optionsSharing(newCore(options, owner, undefined, { journals }));
}

/**
 * A core from validated options; every configuration error, the client's (a bad `host`) included,
 * names `owner` (and `within`: the option the exporter options came in, see `exportersFor`).
 */
export function newCore(options: SyvainExporterOptions | undefined, owner: string, within?: string, ownership?: CoreOwnership): ExporterCore {
  const parsed = parseExporterOptions(options, owner, within);
  return ownedBy(owner, () => new ExporterCore(parsed, ownership));
}

/** The shared core when `options` carries one, else a new core from validated options. Attached. */
export function attachCore(options: SyvainExporterOptions | undefined, owner: string): ExporterCore {
  const shared = (options as Record<symbol, unknown> | undefined)?.[SHARED_CORE];
  const core = shared instanceof ExporterCore ? shared : newCore(options, owner);
  core.attach();
  return core;
}
