// What loading elegy-ts does besides defining things: reflect-metadata must be in place before
// tsyringe loads and before any decorator runs, and tfjs needs gradients for the comparison ops.
// Imported first by the package entry and by a replica's worker thread (which must not load the
// whole package: the entry would then be part of its own import graph).
import "reflect-metadata";
import { registerComparisonGradients } from "./autodiff/comparison-gradients";

registerComparisonGradients();
