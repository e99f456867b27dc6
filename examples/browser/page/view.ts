// What the example page shows for one model: epoch and batch progress, loss and accuracy curves
// (elegy-ts's report.lineChart, redrawn as points arrive), then the test accuracy and a few digits
// with their predicted classes.
import { report } from "elegy-ts";
import type { EpochRecord } from "./state";


function element<K extends keyof HTMLElementTagNameMap>(tag: K, parent: HTMLElement, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  parent.appendChild(node);
  return node;
}

export function drawDigit(parent: HTMLElement, pixels: ArrayLike<number>, rows: number, cols: number, caption: string, wrong: boolean): void {
  const box = element("div", parent);
  box.className = "digit" + (wrong ? " wrong" : "");
  const canvas = element("canvas", box);
  canvas.width = cols;
  canvas.height = rows;
  const image = canvas.getContext("2d")!.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = 255 - pixels[i];
    image.data.set([v, v, v, 255], 4 * i);
  }
  canvas.getContext("2d")!.putImageData(image, 0, 0);
  element("span", box, caption);
}

export class ModelView {
  private readonly line: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly charts: HTMLElement;
  private readonly log: HTMLElement;
  private readonly section: HTMLElement;
  private readonly xs: number[] = [];
  private readonly losses: number[] = [];
  private readonly accuracies: number[] = [];

  constructor(parent: HTMLElement, title: string) {
    this.section = element("section", parent);
    element("h2", this.section, title);
    const progress = element("p", this.section);
    this.line = element("span", progress, "Starting… ");
    this.bar = element("progress", progress);
    this.charts = element("div", this.section);
    this.charts.className = "charts";
    this.log = element("pre", this.section);
  }

  epoch(epoch: number, epochs: number, steps: number): void {
    this.line.textContent = `Epoch ${epoch + 1}/${epochs} `;
    this.bar.max = steps;
    this.bar.value = 0;
  }

  batch(done: number): void {
    this.bar.value = done;
  }

  /** A point of the curves at `x` epochs (fractional within an epoch). */
  point(x: number, loss: number, accuracy: number): void {
    this.xs.push(Number(x.toFixed(3)));
    this.losses.push(loss);
    this.accuracies.push(accuracy);
    this.charts.innerHTML =
      report.lineChart("loss", [{ name: "loss", values: this.losses, color: "#d62728" }], this.xs, 440, 240) +
      report.lineChart("accuracy", [{ name: "accuracy", values: this.accuracies, color: "#1f77b4" }], this.xs, 440, 240);
  }

  epochDone(record: EpochRecord): void {
    this.log.textContent +=
      `epoch ${record.epoch + 1}: loss ${record.loss.toFixed(4)} - accuracy ${record.accuracy.toFixed(4)} - ${(record.ms / 1000).toFixed(2)} s - ${record.tensors} tensors\n`;
  }

  results(trainAccuracy: number, accuracy: number, digits: Array<{ label: number; predicted: number; pixels: ArrayLike<number> }>, rows: number, cols: number): void {
    this.line.textContent = `Trained. Accuracy ${trainAccuracy.toFixed(4)} on the training subset, ${accuracy.toFixed(4)} on the test subset. `;
    this.bar.value = this.bar.max;
    element("p", this.section, "A few test digits and the class the model predicts:");
    const row = element("div", this.section);
    row.className = "digits";
    for (const d of digits) drawDigit(row, d.pixels, rows, cols, `${d.predicted}${d.predicted === d.label ? "" : ` (is ${d.label})`}`, d.predicted !== d.label);
  }
}
