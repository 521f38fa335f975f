import { createHash } from "node:crypto";

/** sha256 hex of the parts, framed as a JSON array so that ("ab","c") and ("a","bc") differ. */
export function contentHash(...parts: (string | number | null)[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
