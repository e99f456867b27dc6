// Platform seam (see src/platform/README.md): an export is a folder on disk in Node
// (model.json + weight shards), which tf.loadLayersModel("file://…") or a web server reads.
export { writeLayersFolder } from "../../io/export/folder";
