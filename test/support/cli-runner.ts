// The CLI in process, as a terminal would run it: main(argv, io) with the output collected. Shared by the tests
// that drive `skillbench run` / `skillbench validate` through src/cli.ts.
import { main } from "../../src/cli.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main(argv) in `cwd` with exactly `env` (nothing from this process's environment). */
export async function runCli(argv: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    cwd: options.cwd,
    env: options.env,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

/** The environment of a CLI run against the simulator: PATH, git without the user's config, the key and URL. */
export function simCliEnv(baseUrl: string, apiKey: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", ANTHROPIC_API_KEY: apiKey, ANTHROPIC_BASE_URL: baseUrl, ...extra };
}
