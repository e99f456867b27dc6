// Per-call argument resolution through tsyringe: the model owns a root container with the
// user's injectables (model.provide); each step call fills a child container with the
// built-ins of that call and resolves the plan's names in parameter order.
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
    const call = this.root.createChildContainer();
    for (const name of plan.builtins) call.register(name, { useFactory: () => values[name] });
    return plan.params.map((name) => {
      if (!call.isRegistered(name, true)) {
        throw missingInjectable(plan, name, this.providedNames);
      }
      return call.resolve(name);
    });
  }
}
