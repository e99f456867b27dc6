// What the example page records while it runs, on window.elegyDemo (the browser tests read it).
// Plain data, no DOM: the tests import these types too.
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  /** Wall time of the epoch (training only). */
  ms: number;
  /** tf.memory().numTensors at the end of the epoch. */
  tensors: number;
}

export interface ModelResult {
  name: string;
  epochs: EpochRecord[];
  test: Record<string, number>;
  testAccuracy: number;
  /** Accuracy of the trained model on the training subset. */
  trainAccuracy: number;
  predictions: Array<{ label: number; predicted: number }>;
}

export interface DemoState {
  status: "loading" | "training" | "done" | "failed";
  backend?: string;
  backendReason?: string;
  results: ModelResult[];
  error?: string;
}
