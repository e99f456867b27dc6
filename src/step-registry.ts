// Which method overrides which step, as the step decorators register it — in either decorator
// mode — and as the model reads it back (model/step-table.ts).
//
// Legacy decorators (`experimentalDecorators`) get the prototype: the table is reflect-metadata
// on it (METADATA.steps), own registrations layered over the inherited ones. Standard (TC39)
// decorators get no class, only a context; they write the same table into the class's decorator
// metadata (`context.metadata`, which TypeScript attaches as `Class[Symbol.metadata]` and chains
// to the base class's), and problems that need the class's name to be told are kept there too,
// to be thrown when the class is first used.
import "reflect-metadata";
import { METADATA, StepKind } from "./metadata-keys";
import { ElegyDefinitionError } from "./errors";
import { CODES, STEP_MESSAGES } from "./step-messages";

/** Step kind → the name of the method that overrides it. */
export type StepTable = Partial<Record<StepKind, string>>;

// TypeScript's standard-decorator emit passes `context.metadata` only where Symbol.metadata
// exists; Node 20 and 22 lack it, so elegy-ts provides the well-known spelling every tool uses.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for("Symbol.metadata");
const SYMBOL_METADATA: symbol = (Symbol as unknown as { metadata: symbol }).metadata;

/** In a class's decorator metadata: this class's own registrations (the table itself is under METADATA.steps). */
const OWN = "elegy-ts:class:own-steps";
/** In a class's decorator metadata: what a standard decorator found wrong, told when the class is used (it has the class's name then). */
const PROBLEMS = "elegy-ts:class:step-problems";

type Problem = (className: string) => { message: string; code: number };
type DecoratorMetadata = Record<string | symbol, unknown>;

function className(target: object): string {
  return typeof target === "function" ? target.name : target.constructor?.name ?? "<anonymous>";
}

/** Legacy mode: `target` is the prototype (or, for a static member, the class). */
export function registerLegacy(kind: StepKind, target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor | undefined): void {
  const where = `${className(target)}.${String(propertyKey)}`;
  const what = !descriptor ? "property" : descriptor.get || descriptor.set ? "accessor" : "method";
  if (typeof target === "function") {
    throw new ElegyDefinitionError(STEP_MESSAGES.staticMember(kind, where, what), { code: CODES.notAMethod });
  }
  if (!descriptor || typeof descriptor.value !== "function") {
    throw new ElegyDefinitionError(STEP_MESSAGES.notAMethod(kind, where, what === "accessor" ? "an accessor" : "a property"), { code: CODES.notAMethod });
  }
  if (typeof propertyKey !== "string") {
    throw new ElegyDefinitionError(`@${kind} needs a method with a string name, not the symbol ${String(propertyKey)}.`);
  }
  const own = Reflect.getOwnMetadata(METADATA.steps, target) as StepTable | undefined;
  const previous = own?.[kind];
  if (previous !== undefined && previous !== propertyKey) {
    throw new ElegyDefinitionError(STEP_MESSAGES.duplicateStep(kind, className(target), previous, propertyKey), { code: CODES.duplicateStep });
  }
  const table: StepTable = { ...stepTableOfPrototype(target), ...own, [kind]: propertyKey };
  Reflect.defineMetadata(METADATA.steps, table, target);
}

/** The parts of a standard decorator context a step decorator reads. */
export interface StandardContext {
  kind: string;
  name: string | symbol;
  static: boolean;
  metadata?: DecoratorMetadata;
  addInitializer(initializer: (this: unknown) => void): void;
}

export function isStandardContext(value: unknown): value is StandardContext {
  return typeof value === "object" && value !== null && typeof (value as StandardContext).kind === "string" && "addInitializer" in value;
}

/** Standard mode: the class is not known yet, so the table goes into the class's decorator metadata. */
export function registerStandard(kind: StepKind, context: StandardContext): void {
  const name = String(context.name);
  const what = context.kind === "method" ? "method" : context.kind === "getter" || context.kind === "setter" || context.kind === "accessor" ? "accessor" : "property";
  if (context.static) {
    // A static member's initializers run while the class is defined, with the class as `this`: thrown there, as in legacy mode.
    context.addInitializer(function (this: unknown) {
      throw new ElegyDefinitionError(STEP_MESSAGES.staticMember(kind, `${className(this as object)}.${name}`, what), { code: CODES.notAMethod });
    });
    return;
  }
  const metadata = context.metadata;
  if (metadata === undefined) {
    throw new ElegyDefinitionError(
      `@${kind} on ${name}: this compiler's standard decorators pass no context.metadata, where elegy-ts records its steps. ` +
        `Compile with TypeScript 5.2 or later, or set "experimentalDecorators": true in compilerOptions.`,
    );
  }
  const problems = Object.prototype.hasOwnProperty.call(metadata, PROBLEMS) ? (metadata[PROBLEMS] as Problem[]) : (metadata[PROBLEMS] = []);
  if (what !== "method") {
    problems.push((cls) => ({ message: STEP_MESSAGES.notAMethod(kind, `${cls}.${name}`, what === "accessor" ? "an accessor" : "a property"), code: CODES.notAMethod }));
    return;
  }
  if (typeof context.name !== "string") {
    problems.push(() => ({ message: `@${kind} needs a method with a string name, not the symbol ${name}.`, code: 0 }));
    return;
  }
  const own = Object.prototype.hasOwnProperty.call(metadata, OWN) ? (metadata[OWN] as StepTable) : (metadata[OWN] = {} as StepTable);
  const previous = own[kind];
  if (previous !== undefined && previous !== name) {
    problems.push((cls) => ({ message: STEP_MESSAGES.duplicateStep(kind, cls, previous, name), code: CODES.duplicateStep }));
    return;
  }
  own[kind] = name;
  // The inherited table (through the metadata's prototype chain: the base class's), with this class's own over it.
  metadata[METADATA.steps] = { ...(metadata[METADATA.steps] as StepTable | undefined), ...own };
}

function stepTableOfPrototype(prototype: object): StepTable {
  return (Reflect.getMetadata(METADATA.steps, prototype) as StepTable | undefined) ?? {};
}

/**
 * The step table of a class prototype, whichever decorator mode registered it. Throws what a
 * standard decorator found wrong with the class (or with a base class), now that it can be named.
 */
export function registeredSteps(prototype: object): StepTable {
  const legacy = stepTableOfPrototype(prototype);
  const constructor = (prototype as { constructor?: unknown }).constructor;
  if (typeof constructor !== "function") return legacy;
  // From the class up through its bases: each class's own decorator metadata and its own problems.
  for (let cls: Function | null = constructor; cls && cls !== Function.prototype; cls = Object.getPrototypeOf(cls) as Function | null) {
    const metadata = Object.prototype.hasOwnProperty.call(cls, SYMBOL_METADATA) ? ((cls as unknown as Record<symbol, DecoratorMetadata | undefined>)[SYMBOL_METADATA]) : undefined;
    const [first] = metadata && Object.prototype.hasOwnProperty.call(metadata, PROBLEMS) ? (metadata[PROBLEMS] as Problem[]) : [];
    if (first) {
      const { message, code } = first(cls.name);
      throw new ElegyDefinitionError(message, code === 0 ? undefined : { code });
    }
  }
  const standard = (constructor as unknown as Record<symbol, DecoratorMetadata | undefined>)[SYMBOL_METADATA]?.[METADATA.steps] as StepTable | undefined;
  return standard ? { ...legacy, ...standard } : legacy;
}
