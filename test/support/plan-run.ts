// A loaded project planned and run as the pipeline does, without the pipeline's baseline and report: every model
// the project configures is blinded, and the judge key follows. Shared by the scheduler tests on the simulator.
import { blindingTerms, configuredModels, judgeKeyOf } from "../../src/judge.js";
import { planRun, runPlan, type RunOptions } from "../../src/run.js";
import type { Project } from "../../src/types.js";

export async function planAndRun(p: Project, options: Omit<RunOptions, "config" | "judge">) {
  const blindTerms = blindingTerms(configuredModels(p.config, p.benchmarks));
  const plan = planRun(p.benchmarks, p.skills, p.config, judgeKeyOf(p.config.judge.model, blindTerms));
  const outcome = await runPlan(plan, {
    ...options,
    config: p.config,
    judge: { model: p.config.judge.model, maxTokens: p.config.judge.maxTokens, blindTerms },
  });
  return { plan, ...outcome };
}
