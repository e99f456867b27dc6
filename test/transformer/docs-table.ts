// The built-in injectables table of docs/compile-time-checks.md, as rendered from the one table
// in src/metadata-keys.ts (docs.test.ts holds the page to it).
import { BUILTIN_INJECTABLES, BUILTIN_INJECTABLE_NAMES, STEP_INJECTABLES, STEP_KINDS } from "../../src/metadata-keys";

/** A pipe inside a table cell (even in code) must be escaped in GitHub's Markdown. */
const cell = (text: string): string => text.replace(/\|/g, "\\|");

export function injectablesTable(): string {
  const rows = BUILTIN_INJECTABLE_NAMES.map((name) => {
    const { meaning, injects, declareAs } = BUILTIN_INJECTABLES[name];
    const steps = STEP_KINDS.filter((kind) => STEP_INJECTABLES[kind].includes(name)).map((kind) => `@${kind}`);
    return `| \`${name}\` | ${meaning} | ${injects} | \`${cell(declareAs)}\` | ${steps.length === STEP_KINDS.length ? "all" : steps.join(", ")} |`;
  });
  return ["| name | what it is | what is injected | declare it as | steps |", "|---|---|---|---|---|", ...rows].join("\n");
}
