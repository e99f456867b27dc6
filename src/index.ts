// The public surface of elegy-ts (API.md §2). Re-exports only.
import "reflect-metadata"; // must load before tsyringe and before any decorator runs
export { tf } from "./tf";
export { predStep, testStep, gradStep, trainStep, initStep, trainer } from "./decorators";
export type { TrainerOptions } from "./decorators";
export * from "./errors";
/** Interface users augment to declare injectables of their own (API.md §3). */
export interface Injectables {}
