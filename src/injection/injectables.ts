// The user's own injectables, declared for both times: the compile-time check of step
// parameters (the transformer reads this interface with every augmentation merged in) and the
// type of model.provide.

/**
 * Your own injectables: augment it, and steps may ask for these names, typed as declared;
 * `model.provide` accepts exactly these names, with values of these types.
 *
 * ```ts
 * declare module "elegy-ts" {
 *   interface Injectables { teacher: Model; temperature: number }
 * }
 * student.provide("teacher", teacher).provide("temperature", 2);
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface Injectables {}
