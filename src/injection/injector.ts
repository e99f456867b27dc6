// Per-call argument resolution: the model owns a tsyringe container with the user's
// injectables (model.provide); the built-ins of a call (x, yTrue, states, …) come from the call
// itself. Names resolve in parameter order. A built-in can never be provided (provide refuses
// its name), so the two never compete, and no container is built per call (a step's cost).
import "reflect-metadata";
import { container as globalContainer, DependencyContainer } from "tsyringe";
import { BuiltinInjectable, isBuiltinInjectable } from "../metadata-keys";
import { ElegyInputError } from "../errors";
import { InjectionPlan, missingInjectable } from "./plan";

/** The values of the built-in injectables for one step call. */
export type BuiltinValues = { readonly [K in BuiltinInjectable]: unknown };

export class Injector {
  private readonly root: DependencyContainer = globalContainer.createChildContainer();
  private readonly providedNames: string[] = [];
  /** Changes with every provide(): a recorded step saw the values provided before it. */
  private providedVersion = 0;

  /** Registers a user injectable. A factory provider, because tsyringe treats useValue: undefined as missing. */
  provide(name: string, value: unknown): void {
    if (typeof name !== "string" || name.length === 0) {
      throw new ElegyInputError(`provide(name, value) needs a non-empty string name, got ${String(name)}.`);
    }
    if (isBuiltinInjectable(name)) {
      throw new ElegyInputError(
        `Cannot provide '${name}': it is a built-in injectable that elegy-ts supplies on every call. Choose another name.`,
      );
    }
    this.root.register(name, { useFactory: () => value });
    if (!this.providedNames.includes(name)) this.providedNames.push(name);
    this.providedVersion++;
  }

  get version(): number {
    return this.providedVersion;
  }

  get provided(): readonly string[] {
    return this.providedNames;
  }

  /** The arguments for one call of a planned step, in parameter order. */
  resolve(plan: InjectionPlan, values: BuiltinValues): unknown[] {
    const args = new Array<unknown>(plan.params.length);
    for (let i = 0; i < args.length; i++) {
      const name = plan.params[i];
      if (isBuiltinInjectable(name)) args[i] = values[name];
      else if (this.root.isRegistered(name, true)) args[i] = this.root.resolve(name);
      else throw missingInjectable(plan, name, this.providedNames);
    }
    return args;
  }
}
