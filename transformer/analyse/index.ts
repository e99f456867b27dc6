// The analyses of a program, each run once per program and shared by the ts-patch plugin's
// diagnostics and its emit, and by `elegy-ts build`:
//   context.ts      ts-morph over the build's own program and checker (one view, one cache)
//   package.ts      which declarations are elegy-ts's (its entry's exports), decorator resolution
//   steps.ts        step methods of classes → StepInfo (parameters.ts, returns.ts)
//   injectables.ts  the user's declared Injectables
//   trainers.ts     @trainer classes
import ts from "typescript";
import { sortDiagnostics } from "../diagnostic";
import { contextOf } from "./context";
import { PackageSymbols } from "./package";
import { SlotTypes } from "./slot-fits";
import { DeclaredInjectable, declaredInjectables } from "./injectables";
import { StepJudge, findSteps } from "./steps";
import { StepInfo } from "./step-info";
import { TrainerAnalysis, findTrainers } from "./trainers";

export type { Location } from "./context";
export type { DeclaredInjectable } from "./injectables";
export type { MemberKind, ParamType, ReturnInfo, ReturnShape, ReturnSlot, StatesFit, StepInfo, StepParam } from "./step-info";
export type { TrainerAnalysis, TrainerFile } from "./trainers";

export interface ProgramAnalysis {
  /** Step methods per file, for the files this program emits (no .d.ts, no libraries). */
  stepsByFile: ReadonlyMap<ts.SourceFile, readonly StepInfo[]>;
  /** All of them, file by file in program order. */
  steps: readonly StepInfo[];
  /** What the user declared in the Injectables interface. */
  injectables: readonly DeclaredInjectable[];
}

const stepAnalyses = new WeakMap<ts.Program, ProgramAnalysis>();
const trainerAnalyses = new WeakMap<ts.Program, TrainerAnalysis>();

/** The step methods of a program (cached per program). */
export function analyseProgram(program: ts.Program): ProgramAnalysis {
  const cached = stepAnalyses.get(program);
  if (cached) return cached;
  const context = contextOf(program);
  const stepsByFile = new Map<ts.SourceFile, StepInfo[]>();
  const tables = new Map();
  let judge: StepJudge | undefined; // looked up when the first file needs it
  for (const file of context.emitted) {
    // A step needs a decorator (`@`) or a base class (`extends`): files with neither are skipped.
    if (!file.text.includes("@") && !file.text.includes("extends")) continue;
    judge ??= {
      types: slotTypes(context.checker, context.elegy),
      injectables: new Map(declaredInjectables(context).map((i) => [i.name, i])),
    };
    const steps = findSteps(context.file(file), context, judge, tables);
    if (steps.length > 0) stepsByFile.set(file, steps);
  }
  const analysis: ProgramAnalysis = {
    stepsByFile,
    steps: [...stepsByFile.values()].flat(),
    injectables: stepsByFile.size > 0 && judge ? [...judge.injectables.values()] : [],
  };
  stepAnalyses.set(program, analysis);
  return analysis;
}

/** elegy-ts's States class (its instance type) and type aliases, when the program includes the package. */
function slotTypes(checker: ts.TypeChecker, elegy: PackageSymbols): SlotTypes {
  const declared = (symbols: ReadonlySet<ts.Symbol>, flag: ts.SymbolFlags): ts.Type | undefined => {
    for (const symbol of symbols) if (symbol.flags & flag) return checker.getDeclaredTypeOfSymbol(symbol);
    return undefined;
  };
  const logValue = declared(elegy.logValue, ts.SymbolFlags.TypeAlias);
  // tf.Tensor (of any rank) as elegy-ts names it: the member of `LogValue = tf.Tensor | number` that is no number.
  const tensor = logValue?.isUnion() ? logValue.types.find((member) => !(member.flags & ts.TypeFlags.NumberLike)) : undefined;
  return {
    states: declared(elegy.states, ts.SymbolFlags.Class),
    tensor,
    logs: declared(elegy.logs, ts.SymbolFlags.TypeAlias),
    logValue,
    tensorTree: declared(elegy.tensorTree, ts.SymbolFlags.TypeAlias),
  };
}

/** The `@trainer` classes of a program, and what is wrong with the others (cached per program). */
export function analyseTrainers(program: ts.Program): TrainerAnalysis {
  const cached = trainerAnalyses.get(program);
  if (cached) return cached;
  const found = findTrainers(contextOf(program));
  const analysis = { files: found.files, diagnostics: sortDiagnostics(found.diagnostics) };
  trainerAnalyses.set(program, analysis);
  return analysis;
}
