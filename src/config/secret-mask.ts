/**
 * Decides what of a bad option value may be shown in an error. An error message ends up in logs,
 * CI output and bug reports, so anything that may be a credential is replaced by `<redacted>`:
 * values under a secret-sounding name (at any depth) and strings shaped like a key or token,
 * wherever they were put (a key pasted into the wrong option is still a key).
 */

export const REDACTED = "<redacted>";

/** Option names whose values are credentials: `apiKey`, `authToken`, `client_secret`, `password`... */
const SECRET_NAME = /key|token|secret|passw|auth|credential|bearer/i;

// Syvain keys start with `ak_`. Other tokens: one long run of token characters holding both
// letters and digits (a slug or a word rarely does); paths (leading `/` or `.`) are not tokens.
const SYVAIN_KEY = /^\s*(?:bearer\s+)?ak_/i;
const LONG_TOKEN = /^(?![/.])(?=[^]*\d)(?=[^]*[A-Za-z])[A-Za-z0-9_\-+=.~/]{24,}$/;

/** How deep an object value is copied; below that it is shown as `<redacted>` rather than walked. */
const MAX_DEPTH = 4;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function looksSecret(text: string): boolean {
  return SYVAIN_KEY.test(text) || LONG_TOKEN.test(text.trim());
}

/**
 * A copy of `value` safe to show: secret-named members and secret-looking strings are redacted.
 * Objects become plain copies of their own enumerable members (what `JSON.stringify` would print).
 */
export function maskValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return looksSecret(value) ? REDACTED : value;
  if (typeof value !== "object" || value === null) return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.map((item: unknown) => maskValue(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    copy[name] = isSecretName(name) && member !== undefined ? REDACTED : maskValue(member, depth + 1);
  }
  return copy;
}

/**
 * A host URL as an error may show it: credentials and a query or fragment are refused in a host,
 * and exactly those are where a secret hides (`https://user:ak_…@host`, `?api_key=…`), so they
 * are never echoed. Everything before the last `@` (after the scheme and its slashes) goes, not
 * only a `//user:pw@`: URL parsing also finds credentials in `https:u:pw@h` and `https:\\u:pw@h`.
 */
export function hostWithoutSecrets(raw: string): string {
  const cut = raw.search(/[?#]/);
  let head = cut === -1 ? raw : raw.slice(0, cut);
  const at = head.lastIndexOf("@");
  if (at !== -1) {
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:[/\\]*/.exec(head.slice(0, at))?.[0] ?? "";
    head = `${scheme}${REDACTED}@${head.slice(at + 1)}`;
  }
  return cut === -1 ? head : `${head}?${REDACTED}`;
}

