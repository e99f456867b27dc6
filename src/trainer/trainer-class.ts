// The checks @trainer makes on the class it decorates, when it decorates it — the run-time
// twins of ELEGY1015 (no name) and ELEGY1014 (decorated twice) — and, when a trainer loads a
// plain-JS model file, of ELEGY1011 (a decorated class the file does not export).
import "reflect-metadata";
import { ElegyDefinitionError } from "../errors";
import { METADATA } from "../metadata-keys";
import { TRAINER_CODES, TRAINER_MESSAGES } from "./messages";

/**
 * Refuses a class the trainer could not name, or one that already carries `@trainer` options.
 * A standard decorator's context names the class as its source does (undefined for an anonymous
 * class expression); a legacy one only has the constructor's name.
 */
export function checkTrainerClass(constructor: abstract new (...args: never[]) => object, context?: ClassDecoratorContext): void {
  const name = context === undefined ? constructor.name : context.name;
  if (!name) throw new ElegyDefinitionError(TRAINER_MESSAGES.anonymous(), { code: TRAINER_CODES.trainerAnonymous });
  if (Reflect.hasOwnMetadata(METADATA.trainer, constructor)) {
    throw new ElegyDefinitionError(TRAINER_MESSAGES.twice(name), { code: TRAINER_CODES.trainerTwice });
  }
}

/**
 * Every class @trainer decorated in this process, in order. On globalThis: a model file may
 * resolve another copy of elegy-ts than the command running it (as Reflect's metadata is shared).
 */
const DECORATED = Symbol.for("elegy-ts:trainer-classes");
function decorated(): Array<abstract new (...args: never[]) => object> {
  const registry = globalThis as { [DECORATED]?: Array<abstract new (...args: never[]) => object> };
  return (registry[DECORATED] ??= []);
}

export function rememberTrainerClass(constructor: abstract new (...args: never[]) => object): void {
  decorated().push(constructor);
}

/**
 * Loads a model module with `load` and refuses it when a class decorated while it loaded is
 * not among its exports: the trainer could never find it (the run-time twin of ELEGY1011, for
 * a plain-JS file the build did not check).
 */
export async function loadTrainerModule(load: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const mark = decorated().length;
  const exports = await load();
  const exported = new Set(Object.values(exports));
  const hidden = decorated().slice(mark).find((cls) => !exported.has(cls));
  if (hidden !== undefined) throw new ElegyDefinitionError(TRAINER_MESSAGES.notExported(hidden.name), { code: TRAINER_CODES.trainerNotExported });
  return exports;
}
