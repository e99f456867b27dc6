// Where elegy-ts commands print (injectable, so tests can capture it).

/** Output of a command: `out` for results and help (stdout), `err` for diagnostics and errors (stderr). */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export const consoleIO: CliIO = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};
