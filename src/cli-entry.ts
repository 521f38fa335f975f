// The bundled CLI (dist/cli/index.js, run by bin/skillbench.js): wires main() to this process.
// The first SIGINT/SIGTERM cancels the run (no new calls, a partial report, exit 130/143); a second one of the
// same kind ends the process at once (Node's default, as the handler is gone).
import "./node-warnings.js";
import { main } from "./cli.js";
import { signalExitCode } from "./errors.js";

const controller = new AbortController();
for (const name of ["SIGINT", "SIGTERM"] as const) {
  process.once(name, () => {
    process.stderr.write(
      `\nskillbench: ${name}: no new model calls; finishing those in flight for a few seconds, then writing a partial ` +
        `report (${name === "SIGINT" ? "Ctrl-C" : name} again quits at once)\n`,
    );
    controller.abort(name);
  });
}

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
  signal: controller.signal,
});
// A signal that arrived after the run still ends with its code; aborted requests or retry timers must not keep a
// cancelled CLI alive.
process.exitCode = controller.signal.aborted ? signalExitCode(controller.signal.reason) : code;
if (controller.signal.aborted) process.exit();
