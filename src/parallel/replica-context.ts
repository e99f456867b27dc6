// Whether this thread is a replica's worker thread (set by worker-entry.ts before it loads the
// model's module), so that fit refuses to run there: a module whose top-level code trains a
// model would otherwise start training again inside every replica.
export interface ReplicaIdentity {
  /** 1 … count-1 (the main thread is replica 0). */
  readonly index: number;
  readonly count: number;
  readonly className: string;
}

let identity: ReplicaIdentity | undefined;

/** Marks this thread as a replica's (undefined: not one, for tests). */
export function enterReplica(info: ReplicaIdentity | undefined): void {
  identity = info;
}

export function currentReplica(): ReplicaIdentity | undefined {
  return identity;
}
