// The flag parsing `elegy-ts export` and `elegy-ts sweep` share: node:util's parseArgs, strict,
// with its errors turned into one line naming the command (and a did-you-mean for a misspelt flag).
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError } from "./cli-error";
import { closestName, didYouMean } from "../suggest";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

export function parseCommandFlags<O extends Options>(command: string, argv: readonly string[], options: O): Parsed<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec((error as Error).message)?.[1];
    if (unknown) {
      const names = Object.keys(options);
      throw new CliError(`elegy-ts ${command}: unknown flag '${unknown}'.${didYouMean(closestName(unknown.replace(/^-+/, ""), names), "--")} Flags: ${names.map((n) => `--${n}`).join(", ")}.`);
    }
    throw new CliError(`elegy-ts ${command}: ${(error as Error).message}`);
  }
}
