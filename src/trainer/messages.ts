// What is wrong with a @trainer class, in words shared by the compile-time check
// (transformer/analyse/trainers.ts, ELEGY1010–1019) and its run-time twins (the @trainer
// decorator, run-trainer.ts). Dependency-free: the transformer loads it inside the compiler.

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
