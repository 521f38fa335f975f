// The action's entry (bundled to dist/index.js): run() owns every error and sets the step's outcome.
import "./node-warnings.js";
import { run } from "./main.js";

await run();
