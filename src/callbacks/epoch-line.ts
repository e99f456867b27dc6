// One line per epoch (Keras verbose=2): "Epoch 2/4 - 1.3s - loss: 0.3012 - accuracy: 0.9113".
import { Callback, EpochLogs } from "./callback";

export function formatLogs(logs: EpochLogs): string {
  return Object.entries(logs)
    .map(([name, value]) => `${name}: ${Math.abs(value) >= 1e-3 || value === 0 ? value.toFixed(4) : value.toExponential(3)}`)
    .join(" - ");
}

export class EpochLine extends Callback {
  private started = 0;

  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(line + "\n")) {
    super();
  }

  onEpochBegin(): void {
    this.started = performance.now();
  }

  onEpochEnd(epoch: number, logs: EpochLogs): void {
    const seconds = (performance.now() - this.started) / 1000;
    const epochs = this.params.epochs ?? "?";
    this.write(`Epoch ${epoch + 1}/${epochs} - ${seconds.toFixed(1)}s - ${formatLogs(logs)}`);
  }
}
