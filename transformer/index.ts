// ts-patch plugin entry — wiring only.
//
//   "plugins": [{ "transform": "elegy-ts/transformer" }]                            (tspc)
//   "plugins": [{ "transform": "elegy-ts/transformer", "transformProgram": true }]  (tspc, fail-closed)
//
// See program.ts for what each mode does; analyse/ → diagnose.ts → emit-metadata.ts do the work.
/**
 * The build-time side: `build()` (behind `elegy-ts build`), the ts-patch plugin (the default
 * export), the step and `@trainer` analyses and the ELEGY diagnostics.
 * @module elegy-ts/transformer
 */
import ts from "typescript";
import { SourceTransformerExtras, isProgramTransformerCall, sourceTransformer, transformProgram } from "./program";

/** Called by ts-patch as (program, config, extras) or, with transformProgram, (program, host, config, extras). */
export default function elegyTsPlugin(program: ts.Program, second?: unknown, third?: unknown): ts.TransformerFactory<ts.SourceFile> | ts.Program {
  if (isProgramTransformerCall(second, third)) return transformProgram(program);
  return sourceTransformer(program, third as SourceTransformerExtras | undefined);
}

export { analyseProgram, analyseTrainers } from "./analyse";
export type {
  DeclaredInjectable, Location, MemberKind, ParamType, ProgramAnalysis, ReturnInfo, ReturnShape, ReturnSlot, StatesFit, StepInfo, StepParam,
  TrainerAnalysis, TrainerFile,
} from "./analyse";
export type { Fit } from "../src/step-items";
export type { SlotRole } from "../src/metadata-keys";
export { diagnoseSteps, returnProblem } from "./diagnose";
export { formatElegyDiagnostic, formatTsDiagnostic, toTsDiagnostic } from "./diagnostic";
export type { ElegyDiagnostic } from "./diagnostic";
export { CODES, MESSAGES, RETURN_PROBLEMS, TRAINER_CODES, TS_CODE_OFFSET, codeName } from "./codes";
export type { ElegyCode, TrainerCode } from "./codes";
export { TRAINER_MESSAGES } from "../src/trainer/messages";
export { outputFormat, trainerFileName, trainerModuleText, trainerModules } from "./emit-trainer";
export type { EmittedOutput, TrainerModule } from "./emit-trainer";
export { metadataTransformer, recordedParamNames } from "./emit-metadata";
export { closestInjectable, closestName, editDistance, normaliseName } from "../src/suggest";
export { elegyDiagnostics, elegyTransformer, isProgramTransformerCall, sourceTransformer, transformProgram } from "./program";
export { build, REQUIRED_OPTIONS, SINGLE_FILE_DEFAULTS } from "./build";
export type { BuildOptions, BuildResult } from "./build";
