// What is wrong with a @trainer class, in codes and words shared by the compile-time check
// (transformer/analyse/trainers.ts, ELEGY1010–1019) and its run-time twins (the @trainer
// decorator, trainer-class.ts, run-trainer.ts). Dependency-free: the transformer loads it inside the compiler.

/**
 * The ELEGY code of every `@trainer` check. A run-time twin carries the same code
 * (`error.code === "ELEGY1010"`, and its message starts with it). ELEGY1013 (abstract) has no
 * twin: `abstract` leaves nothing in the JavaScript a trainer could see.
 */
export const TRAINER_CODES = {
  /** `@trainer` on a class that does not extend Model. */
  trainerNotAModel: 1010,
  /** `@trainer` on a class the generated trainer cannot require (not exported from the top level). */
  trainerNotExported: 1011,
  /** `@trainer` without `data`. */
  trainerWithoutData: 1012,
  /** `@trainer` on an abstract class: the trainer cannot construct it. */
  trainerAbstractClass: 1013,
  /** `@trainer` twice on one class. */
  trainerTwice: 1014,
  /** `@trainer` on a class without a name (`export default class extends Model`). */
  trainerAnonymous: 1015,
} as const;

export const TRAINER_MESSAGES = {
  notAModel: (cls: string): string =>
    `@trainer on ${cls} needs a model class, but ${cls} does not extend Model from "elegy-ts". Declare it as \`class ${cls} extends Model\` (or extend a subclass of Model).`,

  notExported: (cls: string): string =>
    `@trainer class ${cls} is not exported, so its generated trainer cannot load it. Export it from the top level of its file: \`export class ${cls} …\`.`,

  withoutData: (cls: string): string =>
    `@trainer on ${cls} has no data. Give it @trainer({ data, … }), where data is { train, validation?, test? } or a function (async or not) returning it.`,

  abstractClass: (cls: string): string =>
    `@trainer class ${cls} is abstract, so its generated trainer cannot construct it. Remove 'abstract', or put @trainer on a concrete subclass.`,

  anonymous: (): string =>
    `@trainer needs a named class: the trainer and its --model flag refer to the class by name. Name it, e.g. \`export default class MyModel extends Model\`.`,

  twice: (cls: string): string => `@trainer is applied to ${cls} more than once. Keep one @trainer per class.`,
};
