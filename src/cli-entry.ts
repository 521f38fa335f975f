// The bundled CLI (dist/cli/index.js, run by bin/skillbench.js): wires main() to this process.
import "./node-warnings.js";
import { main } from "./cli.js";

process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
});
