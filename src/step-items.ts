// Which items of a step's returned tuple are wrong, and whether the wrong ones are only out of
// order. Shared by ELEGY1007 (judging types) and the run-time check (judging values), so both
// find the same swap and say it in the same words (step-messages.ts). Dependency-free, like
// metadata-keys.ts: the transformer loads it inside the TypeScript compiler.
import type { SlotRole } from "./metadata-keys";

/** Whether a type (or a value) can be what a slot needs: "unknown" for any, unknown, unconstrained generics. */
export type Fit = "yes" | "no" | "unknown";

export interface ItemsVerdict {
  /** Positions (from 0) of wrong items that, moved among themselves, would each fit: shown as swapped. Empty or ≥ 2. */
  moved: number[];
  /** Positions (from 0) of the other wrong items, each to be reported on its own. */
  wrong: number[];
}

/** Every ordering of `items` (at most 4 here, so at most 24). */
function orderings(items: readonly number[]): number[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => orderings([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/**
 * The verdict on a tuple whose item `i` fits role `r` as `fit(i, r)` says, or undefined when no
 * item is wrong. Only a "no" is wrong (precise, not noisy). Wrong items count as swapped when
 * some reordering of them puts each where it surely fits ("yes"); the largest such set wins.
 */
export function judgeItems(roles: readonly SlotRole[], fit: (item: number, role: SlotRole) => Fit): ItemsVerdict | undefined {
  const wrong = roles.map((_, i) => i).filter((i) => fit(i, roles[i]) === "no");
  if (wrong.length === 0) return undefined;
  let moved: number[] = [];
  for (const order of orderings(wrong)) {
    // order[k] is the item that would go to position wrong[k]; items left in place stay wrong.
    const movers = wrong.filter((position, k) => order[k] !== position);
    if (movers.length <= moved.length || movers.length < 2) continue;
    const fitsThere = wrong.every((position, k) => order[k] === position || fit(order[k], roles[position]) === "yes");
    if (fitsThere) moved = movers;
  }
  return { moved, wrong: wrong.filter((position) => !moved.includes(position)) };
}
