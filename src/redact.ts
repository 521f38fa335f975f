// One redaction of the run's known secrets (the API key, the GitHub token, and the values of environment
// variables whose names look secret), applied to every text skillbench writes: reports, the PR comment, the job
// summary, annotations and log lines, the baseline branch, error messages. Whatever echoed a secret (a model
// told the key, a proxy that quotes request headers, a symlink to /proc/self/environ), it does not leave.

export const REDACTED = "[redacted]";

/** Name parts (split on `_`, `-`, `.`) that mark an environment variable as secret. */
const SECRET_NAME_PARTS = new Set([
  "KEY",
  "KEYS",
  "APIKEY",
  "TOKEN",
  "TOKENS",
  "APITOKEN",
  "AUTHTOKEN",
  "ACCESSTOKEN",
  "SECRET",
  "SECRETS",
  "PASSWORD",
  "PASSWORDS",
  "PASSWD",
  "PASSPHRASE",
  "CREDENTIAL",
  "CREDENTIALS",
  "CREDS",
  "PRIVATE",
  "AUTH",
  "COOKIE",
  "COOKIES",
  "SESSION",
  "SIGNATURE",
]);

/** Values taken from the environment shorter than this are not redacted: they would mangle ordinary text. */
export const MIN_ENV_SECRET_LENGTH = 8;
/** Secrets given explicitly (the key, the token) are redacted from this length on. */
export const MIN_SECRET_LENGTH = 4;

/** ANTHROPIC_API_KEY, INPUT_GITHUB-TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN: yes. PWD, KEYBOARD_LAYOUT: no. */
export function isSecretName(name: string): boolean {
  return name
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .some((part) => SECRET_NAME_PARTS.has(part));
}

/** Values that cannot be secrets even under a secret-looking name: flags, numbers, empty-ish words. */
function isObviousNonSecret(value: string): boolean {
  return (
    /^(true|false|yes|no|on|off|null|none|undefined)$/i.test(value) ||
    /^[+-]?\d+(\.\d+)?$/.test(value) ||
    /^\s*$/.test(value)
  );
}

/**
 * A lone lowercase or capitalised dictionary-like word ("password", "Disabled") under a secret-looking name is a
 * setting, not a credential; redacting it would blank that word in every output. Real secrets mix letters with
 * digits or symbols, or are long.
 */
function isPlainWord(value: string): boolean {
  return /^[A-Za-z][a-z]*$/.test(value.trim()) && value.trim().length < 16;
}

/** The forms a secret takes when some layer re-encodes it before it is echoed. */
function variantsOf(secret: string): string[] {
  const utf8 = Buffer.from(secret, "utf8");
  const variants = [
    secret,
    encodeURIComponent(secret),
    // Padding depends on what follows in a longer base64 text: match the unpadded body.
    utf8.toString("base64").replace(/=+$/, ""),
    utf8.toString("base64url"),
    JSON.stringify(secret).slice(1, -1),
    // How the runner's workflow commands (::error::...) escape message data.
    secret.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A"),
  ];
  return variants.filter((v) => v.length >= MIN_SECRET_LENGTH);
}

export class Redactor {
  /** Redacts nothing: for tests and callers that hold no secret. */
  static readonly none = new Redactor([]);

  /** The distinct secrets, longest first (what `core.setSecret` should be told). */
  readonly secrets: readonly string[];
  private readonly needles: readonly string[];

  /** `secrets` are redacted from MIN_SECRET_LENGTH characters on; null, undefined and shorter ones are ignored. */
  constructor(secrets: Iterable<string | null | undefined>) {
    const found = new Set<string>();
    for (const raw of secrets) {
      if (typeof raw !== "string") continue;
      // A secret pasted with a trailing newline is used trimmed; redact both forms.
      for (const value of [raw, raw.trim()]) {
        if (value.length >= MIN_SECRET_LENGTH && !isObviousNonSecret(value)) found.add(value);
      }
    }
    this.secrets = [...found].sort((a, b) => b.length - a.length);
    this.needles = [...new Set(this.secrets.flatMap(variantsOf))].sort((a, b) => b.length - a.length);
  }

  /**
   * The explicit secrets plus the value of every variable in `env` whose name looks secret (see isSecretName),
   * skipping values shorter than MIN_ENV_SECRET_LENGTH and obvious non-secrets ("true", numbers).
   */
  static fromEnvironment(env: NodeJS.ProcessEnv, explicit: Iterable<string | null | undefined> = []): Redactor {
    const values: (string | null | undefined)[] = [...explicit];
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined || !isSecretName(name)) continue;
      if (value.trim().length < MIN_ENV_SECRET_LENGTH || isObviousNonSecret(value) || isPlainWord(value)) continue;
      values.push(value);
    }
    return new Redactor(values);
  }

  /** A redactor that also knows `more`. */
  with(more: Iterable<string | null | undefined>): Redactor {
    return new Redactor([...this.secrets, ...more]);
  }

  /**
   * Replaces every occurrence of every secret (and its encoded forms) with "[redacted]". Overlapping or nested
   * occurrences of different secrets are merged into one span, so no part of either survives.
   */
  readonly text = (text: string): string => {
    if (this.needles.length === 0 || text.length < MIN_SECRET_LENGTH) return text;
    const spans: [number, number][] = [];
    for (const needle of this.needles) {
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) spans.push([at, at + needle.length]);
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = "";
    let cursor = 0;
    let open: [number, number] | null = null;
    for (const span of spans) {
      if (open && span[0] <= open[1]) {
        open[1] = Math.max(open[1], span[1]);
        continue;
      }
      if (open) {
        out += text.slice(cursor, open[0]) + REDACTED;
        cursor = open[1];
      }
      open = [span[0], span[1]];
    }
    if (open) {
      out += text.slice(cursor, open[0]) + REDACTED;
      cursor = open[1];
    }
    return out + text.slice(cursor);
  };

  /** A copy of a JSON-like value (a report) with every string, keys included, redacted. */
  deep<T>(value: T): T {
    return this.walk(value, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.text(value);
    if (depth > 64 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((item) => this.walk(item, depth + 1));
    if (value instanceof Map) {
      return new Map([...value].map(([k, v]) => [this.walk(k, depth + 1), this.walk(v, depth + 1)]));
    }
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.text(k), this.walk(v, depth + 1)]));
  }

  /** The same logger (any object of `(message: string) => void` methods) with every message redacted. */
  logger<L extends { [K in keyof L]: (message: string) => void }>(log: L): L {
    const wrapped = {} as { [K in keyof L]: (message: string) => void };
    for (const name of Object.keys(log) as (keyof L)[]) {
      const method = log[name];
      wrapped[name] = (message: string) => method.call(log, this.text(message));
    }
    return wrapped as L;
  }

  /**
   * Redacts everything written to `stream` (the action's stdout, where @actions/core writes log lines and
   * annotation commands) until the returned function is called. `::add-mask::` commands pass unchanged: they
   * tell the runner what to mask and are never shown.
   */
  guard(stream: NodeJS.WriteStream): () => void {
    const original = stream.write;
    const redact = this.text;
    const write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      let out = chunk;
      if (typeof chunk === "string") out = redactLines(chunk, redact);
      else if (chunk instanceof Uint8Array) out = redactLines(Buffer.from(chunk).toString("utf8"), redact);
      return (original as (...args: unknown[]) => boolean).call(this, out, ...rest);
    };
    stream.write = write as typeof stream.write;
    return () => {
      if (stream.write === (write as typeof stream.write)) stream.write = original;
    };
  }
}

function redactLines(text: string, redact: (text: string) => string): string {
  if (!text.includes("::add-mask::")) return redact(text);
  return text
    .split("\n")
    .map((line) => (line.startsWith("::add-mask::") ? line : redact(line)))
    .join("\n");
}
