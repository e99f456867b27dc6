// Runs a list of callbacks hook by hook, in order, awaiting each.
import { Callback, CallbackModel } from "./callback";

type Hook = Exclude<keyof Callback, "model" | "params" | "setModel" | "setParams">;

export class CallbackList {
  constructor(readonly callbacks: readonly Callback[]) {}

  setModel(model: CallbackModel): void {
    for (const c of this.callbacks) c.setModel(model);
  }

  setParams(params: Record<string, unknown>): void {
    for (const c of this.callbacks) c.setParams(params);
  }

  async call<H extends Hook>(hook: H, ...args: Parameters<NonNullable<Callback[H]>>): Promise<void> {
    for (const c of this.callbacks) {
      const fn = c[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
      if (fn) await fn.apply(c, args);
    }
  }
}
