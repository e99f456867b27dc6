// The transformer's "Did you mean …?" is the runtime's (src/suggest.ts): one algorithm, so a
// compile-time diagnostic and its runtime twin suggest the same name.
export { closestName, editDistance, maxSuggestionDistance, normaliseName } from "../src/suggest";
