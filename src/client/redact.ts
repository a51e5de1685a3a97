import { inspect } from "node:util";

const REDACTED = "<redacted>";

/**
 * Holds an API key so that it never shows up by accident: the value lives in a `#private` field
 * (invisible to `util.inspect`, `JSON.stringify`, spreading and `Object.keys`), and every way of
 * printing the holder prints `<redacted>`. Only `reveal()` hands it out, at the moment a header is built.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  /** Replaces every occurrence of the secret in `text` (e.g. a server message that echoes a header). */
  scrub(text: string): string {
    return this.#value === "" ? text : text.split(this.#value).join(REDACTED);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}
