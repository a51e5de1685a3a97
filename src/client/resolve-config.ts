/**
 * Turns `SyvainClientOptions` plus the environment into a validated client configuration:
 * key (argument → `SYVAIN_METRICS_API_KEY`), host (argument → `SYVAIN_METRICS_HOST` → default),
 * HTTPS unless the host is loopback, timeouts in ms. Every failure is a `config` error that names
 * the option and its value, except the key, which is never shown.
 */
import { inspect } from "node:util";
import { z } from "zod";
import type { Dispatcher } from "undici";
import { API_KEY_ENV, DEFAULT_HOST, HOST_ENV } from "../api/contract.ts";
import { isFunction } from "../config/option-schemas.ts";
import { CLIENT_OWNER } from "../config/owned-errors.ts";
import { parseOptions } from "../config/parse-options.ts";
import { hostWithoutSecrets } from "../config/secret-mask.ts";
import { SyvainValidationError } from "../api/errors.ts";
import { Secret } from "./redact.ts";
import type { SyvainClientOptions } from "./client-types.ts";

const OWNER = CLIENT_OWNER;

// Headers the client owns: a user header must not replace the key, the idempotency key or the body type.
const RESERVED_HEADERS = new Set(["authorization", "idempotency-key", "content-type", "content-length", "host"]);

const fn = <T>(name: string) =>
  z.custom<T>(isFunction, { message: `expected a function for ${name}` });

const optionsSchema = z.object({
  apiKey: z.string().min(1, "must not be empty").optional(),
  host: z.string().min(1, "must not be empty").optional(),
  timeout: z.number().positive().max(86_400).optional(),
  ingestTimeout: z.number().positive().max(86_400).optional(),
  controlRetries: z.number().int().min(0).max(100).optional(),
  dispatcher: z
    .custom<Dispatcher>((v) => typeof v === "object" && v !== null && typeof (v as Dispatcher).dispatch === "function", {
      message: "expected an undici Dispatcher",
    })
    .optional(),
  headers: z.record(z.string(), z.string()).optional(),
  random: fn<() => number>("random").optional(),
  sleep: fn<(ms: number, signal?: AbortSignal) => Promise<void>>("sleep").optional(),
});

export interface ClientConfig {
  /** Origin plus optional path prefix, no trailing slash: `https://metrics.syvain.com`. */
  readonly host: string;
  readonly apiKey: Secret;
  readonly timeoutMs: number;
  readonly ingestTimeoutMs: number;
  readonly controlRetries: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly dispatcher: Dispatcher | undefined;
  readonly random: (() => number) | undefined;
  readonly sleep: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
}

export function resolveClientConfig(
  options: SyvainClientOptions | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ClientConfig {
  checkShape(options);
  const o = parseOptions(optionsSchema, options, { owner: OWNER, secretFields: ["apiKey"] });
  const config: ClientConfig = {
    host: resolveHost(o.host, env),
    apiKey: resolveApiKey(o.apiKey, env),
    timeoutMs: Math.round((o.timeout ?? 10) * 1000),
    ingestTimeoutMs: Math.round((o.ingestTimeout ?? 60) * 1000),
    controlRetries: o.controlRetries ?? 3,
    headers: checkHeaders(o.headers ?? {}),
    dispatcher: o.dispatcher,
    random: o.random,
    sleep: o.sleep,
  };
  Object.defineProperty(config, inspect.custom, {
    value: () => `ClientConfig { host: '${config.host}', apiKey: <redacted> }`,
  });
  return config;
}

/**
 * Before zod: a non-object (say, the key passed where the options go) or an unknown option (a typo
 * such as `apikey` would otherwise fall back to the environment silently) is reported here,
 * naming only the option, because a whole-object error would print the key.
 */
function checkShape(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    const got = options === null ? "null" : Array.isArray(options) ? "array" : typeof options;
    throw new SyvainValidationError("options", "<redacted>", `${OWNER}: options must be an object such as { apiKey, host } (got a ${got})`, "config");
  }
  const known = Object.keys(optionsSchema.shape);
  const unknown = Object.keys(options).find((name) => !known.includes(name));
  if (unknown !== undefined) {
    throw new SyvainValidationError(unknown, "<redacted>", `${OWNER}: unknown option \`${unknown}\` (known: ${known.join(", ")})`, "config");
  }
}

function resolveApiKey(argument: string | undefined, env: NodeJS.ProcessEnv): Secret {
  const fromEnv = env[API_KEY_ENV];
  const key = argument ?? (fromEnv === "" ? undefined : fromEnv);
  const field = argument === undefined ? API_KEY_ENV : "apiKey";
  if (key === undefined) {
    throw new SyvainValidationError(
      "apiKey",
      undefined,
      `${OWNER}: no API key: pass \`apiKey\` or set the ${API_KEY_ENV} environment variable (keys look like ak_org_...)`,
      "config",
    );
  }
  // A header value with spaces or control characters would be rejected (or worse, split) by the HTTP layer.
  if (!isHeaderToken(key)) {
    throw new SyvainValidationError(
      field,
      "<redacted>",
      `${OWNER}: invalid API key in \`${field}\`: it must be printable ASCII without spaces (check for a stray newline or quotes)`,
      "config",
    );
  }
  return new Secret(key);
}

function resolveHost(argument: string | undefined, env: NodeJS.ProcessEnv): string {
  const fromEnv = env[HOST_ENV];
  const field = argument !== undefined ? "host" : fromEnv ? HOST_ENV : "host";
  const raw = argument ?? (fromEnv || DEFAULT_HOST);
  const shown = hostWithoutSecrets(raw);
  const bad = (why: string): SyvainValidationError =>
    new SyvainValidationError(field, shown, `${OWNER}: invalid \`${field}\` ${JSON.stringify(shown)}: ${why}`, "config");
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw bad("not a URL; expected e.g. https://metrics.syvain.com");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw bad("the scheme must be https://");
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw bad("https:// is required (plain http:// is allowed only for localhost, 127.0.0.0/8 and [::1])");
  }
  if (url.username !== "" || url.password !== "") throw bad("credentials in the URL are not allowed; pass `apiKey`");
  if (url.search !== "" || url.hash !== "") throw bad("a query string or fragment is not allowed");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** Printable ASCII without spaces: safe as (part of) a header value, never split or rejected by the HTTP layer. */
export function isHeaderToken(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}

/** `localhost`, `127.x.y.z` and `[::1]`: the only hosts where the key may travel unencrypted. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function checkHeaders(headers: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new SyvainValidationError(
        `headers.${name}`,
        "<redacted>",
        `${OWNER}: header \`${name}\` is set by the client and cannot be overridden (the key goes in \`apiKey\`)`,
        "config",
      );
    }
  }
  return { ...headers };
}
