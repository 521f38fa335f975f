// The action's entry (bundled to dist/index.js): run() owns every error and sets the step's outcome.
// A cancelled workflow sends SIGINT, then SIGTERM ~7.5 s later: either one stops new model calls, lets those in
// flight finish for a few seconds, writes the partial report and summary, and exits with 128 + the signal number.
import "./node-warnings.js";
import { run } from "./main.js";

const controller = new AbortController();
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.once(name, () => {
    process.stdout.write(`skillbench: ${name} received: no new model calls; writing the partial report\n`);
    controller.abort(name);
  });
}

await run({ signal: controller.signal });
// Aborted HTTP requests or retry timers must not keep a cancelled step alive until the runner's SIGKILL.
if (controller.signal.aborted) process.exit();
