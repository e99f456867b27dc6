// Wraps async methods of a prototype with a check made when a call starts and a release when
// it settles: the one-call-at-a-time guard (operation-guard.ts) and the one-backend guard
// (backend-guard.ts). The check runs synchronously, before the method's first await, so two
// calls made in one tick are told apart too.

export type AsyncMethod = (this: object, ...args: unknown[]) => Promise<unknown>;

/** Refuses the call by throwing (its caller sees a rejected promise), else returns what releases the call's hold. */
export type EnterCall<N extends string> = (model: object, call: N) => () => void;

/** Wraps `names` on `prototype`; returns the methods as written, by name. */
export function guardMethods<N extends string>(prototype: object, names: readonly N[], enter: EnterCall<N>): Map<N, AsyncMethod> {
  const proto = prototype as Record<N, AsyncMethod>;
  const originals = new Map<N, AsyncMethod>();
  for (const name of names) {
    const original = proto[name];
    const guarded: AsyncMethod = function (this: object, ...args: unknown[]) {
      let release: () => void;
      try {
        release = enter(this, name);
      } catch (error) {
        return Promise.reject(error);
      }
      let result: Promise<unknown>;
      try {
        result = original.apply(this, args);
      } catch (error) {
        release();
        throw error;
      }
      return result.finally(release);
    };
    Object.defineProperty(guarded, "name", { value: name });
    originals.set(name, original);
    proto[name] = guarded;
  }
  return originals;
}
