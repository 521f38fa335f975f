// One skill read through readSkill (what loading a project does for each skill), failing like loading does.
import { InputError } from "../../src/errors.js";
import { readSkill, type ReadSkillOptions } from "../../src/skills.js";
import type { Skill } from "../../src/types.js";

/** Loads one skill, throwing an InputError that lists every problem with it. */
export async function loadSkill(root: string, skillPath: string, options: ReadSkillOptions = {}): Promise<Skill> {
  const read = await readSkill(root, skillPath, options);
  if (read.skill) return read.skill;
  if (read.pathProblem !== null) {
    throw new InputError([{ file: skillPath, line: null, column: null, field: "", message: read.pathProblem }]);
  }
  throw new InputError(read.issues);
}
