// Preloaded into every trial process (`node --require …/orphan-guard.js`): a trial ends when the
// sweep or worker that started it dies, even by SIGKILL, instead of training on unseen and
// writing into a folder another worker may be given. The IPC channel closes with its parent.
if (typeof process.send === "function") {
  process.channel?.unref();
  process.on("disconnect", () => process.kill(process.pid, "SIGKILL"));
}
