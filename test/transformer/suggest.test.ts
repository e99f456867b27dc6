import test from "node:test";
import assert from "node:assert/strict";
import { closestInjectable, closestName, editDistance, normaliseName } from "elegy-ts/transformer";
import { BUILTIN_INJECTABLE_NAMES, STEP_INJECTABLES } from "../../src/metadata-keys";

test("normaliseName drops case and separators", () => {
  assert.equal(normaliseName("y_true"), "ytrue");
  assert.equal(normaliseName("Y_TRUE"), "ytrue");
  assert.equal(normaliseName("y-true"), "ytrue");
  assert.equal(normaliseName("yTrue"), "ytrue");
  assert.equal(normaliseName("sample_weight"), normaliseName("sampleWeight"));
});

test("editDistance counts inserts, deletes, substitutions and neighbour swaps", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("abc", ""), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("state", "states"), 1);
  assert.equal(editDistance("yture", "ytrue"), 1, "a swap is one edit");
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("ab", "ba"), 1);
  assert.equal(editDistance("abc", "ca"), 3, "optimal string alignment, not unrestricted Damerau (which gives 2)");
});

test("closestName: snake case and shouting are exact matches; typos within about a third of the name", () => {
  const all = BUILTIN_INJECTABLE_NAMES;
  const cases: [string, string | undefined][] = [
    ["y_true", "yTrue"],
    ["Y_TRUE", "yTrue"],
    ["ytrue", "yTrue"],
    ["y_ture", "yTrue"],
    ["state", "states"],
    ["stats", "states"],
    ["sample_weights", "sampleWeight"],
    ["sampleWieght", "sampleWeight"],
    ["class_weight", "classWeight"],
    ["traning", "training"],
    ["intializing", "initializing"],
    ["X", "x"],
    ["xs", "x"],
    ["y", undefined],
    ["labels", undefined],
    ["yPred", undefined],
    ["train", undefined],
    ["", undefined],
  ];
  for (const [typed, expected] of cases) assert.equal(closestName(typed, all), expected, typed);
});

test("closestName only offers the candidates it is given, earliest first on a tie", () => {
  assert.equal(closestName("sample_wieght", STEP_INJECTABLES.predStep), undefined);
  assert.equal(closestName("sample_wieght", STEP_INJECTABLES.testStep), "sampleWeight");
  assert.equal(closestName("ab", ["aa", "bb"]), "aa");
  assert.equal(closestName("ab", ["bb", "aa"]), "bb");
  assert.equal(closestName("anything", []), undefined);
});

test("closestInjectable: names from Keras, Elegy or PyTorch code find the injectable a step offers under its own name", () => {
  const all = BUILTIN_INJECTABLE_NAMES;
  const cases: [string, string | undefined][] = [
    ["labels", "yTrue"],
    ["y", "yTrue"],
    ["targets", "yTrue"],
    ["init", "initializing"],
    ["is_training", "training"],
    ["inputs", "x"],
    ["params", "states"],
    ["state", "states"],
    ["y_ture", "yTrue"],
    ["yPred", undefined],
  ];
  for (const [typed, expected] of cases) assert.equal(closestInjectable(typed, all), expected, typed);
  // Only among what the step offers: a prediction step has no labels.
  assert.equal(closestInjectable("labels", STEP_INJECTABLES.predStep), undefined);
});

