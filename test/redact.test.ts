import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { REDACTED, Redactor, isSecretName } from "../src/redact.js";

const KEY = "k3y-Value-0123456789abcdef";

describe("isSecretName", () => {
  it.each([
    "ANTHROPIC_API_KEY",
    "INPUT_ANTHROPIC-API-KEY",
    "INPUT_GITHUB-TOKEN",
    "GITHUB_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "DB_PASSWORD",
    "SMTP_PASSWD",
    "AWS_SECRET_ACCESS_KEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "SSH_PRIVATE_KEY",
    "NPM_AUTH",
    "SESSION_COOKIE",
    "npm_config__authToken",
    "my.api.key",
  ])("%s looks secret", (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each(["PWD", "PATH", "HOME", "KEYBOARD", "MONKEY", "TOKENIZER", "AUTHOR", "INPUT_MAX-CONCURRENCY", "GITHUB_SHA"])(
    "%s does not",
    (name) => {
      expect(isSecretName(name)).toBe(false);
    },
  );
});

describe("Redactor.fromEnvironment", () => {
  it("takes the values of secret-looking names, trimmed too, and the explicit secrets", () => {
    const redactor = Redactor.fromEnvironment(
      {
        "INPUT_ANTHROPIC-API-KEY": `${KEY}\n`,
        ACTIONS_RUNTIME_TOKEN: "runtime-token-value-1",
        HOME: "/home/runner-with-long-path",
      },
      ["explicit-secret-99"],
    );
    expect(redactor.text(`a ${KEY} b runtime-token-value-1 c explicit-secret-99 d /home/runner-with-long-path`)).toBe(
      `a ${REDACTED} b ${REDACTED} c ${REDACTED} d /home/runner-with-long-path`,
    );
    expect(redactor.secrets).toContain(KEY);
    expect(redactor.secrets).toContain(`${KEY}\n`);
  });

  it("ignores short values and obvious non-secrets, which would mangle ordinary text", () => {
    const redactor = Redactor.fromEnvironment({
      SHORT_TOKEN: "abc123",
      FEATURE_SECRET: "true",
      DEBUG_AUTH: "false",
      TOKEN_COUNT: "123456789",
      EMPTY_KEY: "         ",
      AUTH_MODE: "password",
      SESSION_KIND: "Persistent",
    });
    expect(redactor.secrets).toEqual([]);
    const text = "abc123 is true, not false, 123456789 times; password Persistent";
    expect(redactor.text(text)).toBe(text);
  });
});

describe("Redactor.text", () => {
  it("redacts every occurrence, including overlapping ones of the same secret", () => {
    const redactor = new Redactor(["aaaaaaaa"]);
    expect(redactor.text("x aaaaaaaaaa y aaaaaaaa")).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it("removes a secret that contains another in full, and both halves of overlapping secrets", () => {
    const outer = "outer-secret-inner-part-0001";
    const inner = "inner-part-0001";
    const redactor = new Redactor([inner, outer]);
    expect(redactor.text(`<${outer}>`)).toBe(`<${REDACTED}>`);
    expect(redactor.text(`<${inner}>`)).toBe(`<${REDACTED}>`);
    // "secretAAAA1111" and "1111BBBBsecret" overlap on "1111": no character of either survives.
    const overlapping = new Redactor(["secretAAAA1111", "1111BBBBsecret"]);
    expect(overlapping.text("<secretAAAA1111BBBBsecret>")).toBe(`<${REDACTED}>`);
  });

  it("redacts the URL-encoded, base64, JSON-escaped and workflow-command forms", () => {
    const secret = 'p@ss/wörd+"quoted"\n%line';
    const redactor = new Redactor([secret]);
    const forms = [
      encodeURIComponent(secret),
      Buffer.from(secret).toString("base64"),
      Buffer.from(secret).toString("base64url"),
      JSON.stringify(secret),
      secret.replace(/%/g, "%25").replace(/\n/g, "%0A"),
    ];
    for (const form of forms) {
      const out = redactor.text(`before ${form} after`);
      expect(out, form).toContain(REDACTED);
      expect(out, form).not.toContain(form.replace(/^"|"$/g, ""));
    }
  });

  it("leaves text without secrets untouched, and a redactor without secrets changes nothing", () => {
    expect(new Redactor([KEY]).text("nothing here")).toBe("nothing here");
    expect(Redactor.none.text(KEY)).toBe(KEY);
  });
});

describe("Redactor.deep", () => {
  it("walks every string of a report-like value, keys included, and returns a copy", () => {
    const report = {
      skills: [{ results: [{ output: `says ${KEY}`, judgeNotes: null, error: `HTTP 400 (x-api-key: ${KEY})`, n: 3 }] }],
      warnings: [KEY],
      [`key-${KEY}`]: true,
    };
    const redacted = new Redactor([KEY]).deep(report);
    expect(JSON.stringify(redacted)).not.toContain(KEY);
    expect(redacted.skills[0]?.results[0]).toEqual({ output: `says ${REDACTED}`, judgeNotes: null, error: `HTTP 400 (x-api-key: ${REDACTED})`, n: 3 });
    expect(redacted.warnings).toEqual([REDACTED]);
    expect(report.warnings).toEqual([KEY]);
  });
});

describe("Redactor.logger and guard", () => {
  it("a wrapped logger redacts every message", () => {
    const lines: string[] = [];
    const log = new Redactor([KEY]).logger({ info: (m: string) => lines.push(`info ${m}`), warning: (m: string) => lines.push(`warn ${m}`) });
    log.info(`got ${KEY}`);
    log.warning(KEY);
    expect(lines).toEqual([`info got ${REDACTED}`, `warn ${REDACTED}`]);
  });

  it("a guarded stream redacts what is written, except ::add-mask:: commands, until restored", () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let seen = "";
    (stream as unknown as PassThrough).on("data", (chunk: Buffer) => (seen += chunk.toString()));
    const restore = new Redactor([KEY]).guard(stream);
    stream.write(`::add-mask::${KEY}\n::error::leaked ${KEY}\n`);
    stream.write(Buffer.from(`bytes ${KEY}\n`));
    restore();
    stream.write(`after ${KEY}\n`);
    expect(seen).toBe(`::add-mask::${KEY}\n::error::leaked ${REDACTED}\nbytes ${REDACTED}\nafter ${KEY}\n`);
  });
});
