// The checks @trainer makes on the class it decorates, when it decorates it: the run-time
// twins of ELEGY1015 (no name) and ELEGY1014 (decorated twice), with their codes and words.
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
