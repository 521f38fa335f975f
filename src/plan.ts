// The plan's unit: one (skill, case, model) pair to run, as src/run.ts plans it (planRun) and runs it, and as
// src/estimate.ts prices it before anything is called. Its own module so that the estimate and the scheduler both
// import it one way (the scheduler uses the estimate's token counts; the estimate needs no scheduler).
import type { Benchmark, BenchmarkCase, CaseResult, Skill } from "./types.js";

export interface PlanItem {
  skill: Skill;
  benchmark: Benchmark;
  testCase: BenchmarkCase;
  model: string;
  /** Content key: skill text, case, model and judge settings. */
  key: string;
  /**
   * Judge this output instead of generating one (compare: rejudge judges outputs an earlier run stored). The
   * result then has no generation usage, cost or latency of its own.
   */
  fixedOutput?: string;
  /** A result taken from the result cache (src/result-cache.ts): returned as it is, marked reused; nothing is called. */
  reused?: CaseResult;
  /**
   * The without-skill control (config `control`): generated from the bare input with no system prompt and no tool,
   * then judged exactly like the skill's own output (the skill's instructions stay the judge's rubric).
   */
  control?: true;
}
