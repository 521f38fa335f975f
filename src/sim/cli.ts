// Runs the simulated Messages API until SIGINT/SIGTERM, for the CI workflow and the demo:
//   npx tsx src/sim/cli.ts [--port N] [--latency MS | MIN-MAX] [--seed TEXT] [--port-file PATH]
// Prints one line `SIM_URL=http://127.0.0.1:PORT` to stdout once it listens.

import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { messageOf } from "../errors.js";
import { startSimServer, type SimOptions } from "./server.js";

const USAGE = "usage: tsx src/sim/cli.ts [--port N] [--latency MS|MIN-MAX] [--seed TEXT] [--port-file PATH]";

function parseLatency(value: string): number | [number, number] {
  const range = /^(\d+)-(\d+)$/.exec(value);
  if (range) {
    const min = Number(range[1]);
    const max = Number(range[2]);
    if (min <= max) return [min, max];
  } else if (/^\d+$/.test(value)) {
    return Number(value);
  }
  throw new Error(`--latency: expected milliseconds (e.g. 40) or a range MIN-MAX (e.g. 20-60), got "${value}"`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new Error(`--port: expected a port number 0-65535, got "${value}"`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      latency: { type: "string" },
      seed: { type: "string" },
      "port-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options: SimOptions = {};
  if (values.port !== undefined) options.port = parsePort(values.port);
  if (values.latency !== undefined) options.latencyMs = parseLatency(values.latency);
  if (values.seed !== undefined) options.seed = values.seed;

  const sim = await startSimServer(options);
  if (values["port-file"]) await writeFile(values["port-file"], `${sim.url}\n`, "utf8");
  process.stdout.write(`SIM_URL=${sim.url}\n`);

  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`simulator: could not close cleanly: ${messageOf(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulator: ${messageOf(error)}\n${USAGE}\n`);
  process.exit(2);
});
