/**
 * A bounded FIFO between the decoders (producers) and the model (one consumer). `push` waits while the
 * queue is full, which is the backpressure that keeps decoded tensors from piling up in memory when
 * the model is the bottleneck; `takeBatch` waits for at least one item and returns up to `max`.
 */
export class AsyncQueue<T> {
  private items: T[] = [];
  private closed = false;
  private spaceWaiters: Array<() => void> = [];
  private itemWaiters: Array<() => void> = [];

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  async push(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closed) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    if (this.closed) throw new Error('queue closed');
    this.items.push(item);
    this.wake(this.itemWaiters);
  }

  /** Up to `max` items, or undefined once the queue is closed and empty. */
  async takeBatch(max: number): Promise<T[] | undefined> {
    while (this.items.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => this.itemWaiters.push(resolve));
    }
    if (this.items.length === 0) return undefined;
    const batch = this.items.splice(0, max);
    this.wake(this.spaceWaiters);
    return batch;
  }

  /** No more pushes; takers drain what is left. */
  close(): void {
    this.closed = true;
    this.wake(this.itemWaiters);
    this.wake(this.spaceWaiters);
  }

  private wake(waiters: Array<() => void>): void {
    const all = waiters.splice(0);
    for (const w of all) w();
  }
}

/** Runs async functions one at a time, in call order (every database write goes through one). */
export function createSerializer(): <R>(fn: () => Promise<R>) => Promise<R> {
  let tail: Promise<unknown> = Promise.resolve();
  return <R>(fn: () => Promise<R>) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** A pause gate: `wait()` returns at once while open, and when `open()` is called while closed. */
export class Gate {
  private waiters: Array<() => void> = [];
  private isOpen = true;

  get paused(): boolean {
    return !this.isOpen;
  }

  close(): void {
    this.isOpen = false;
  }

  open(): void {
    this.isOpen = true;
    const all = this.waiters.splice(0);
    for (const w of all) w();
  }

  async wait(): Promise<void> {
    if (this.isOpen) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
