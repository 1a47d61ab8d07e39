/**
 * Work a request starts and does not wait for: an import run, a thumbnail, a package build,
 * a demo load. Each uses the database after its request has been answered, so a shutdown
 * that only waited for requests would close the pool under it ("Cannot use a pool after
 * calling end on the pool"). Every such start goes through `runInBackground`; shutdown waits
 * for `settleBackground` (bounded) before it closes the database. Each of these runs has a
 * job that resumes it if it is cut short, so a bounded wait loses nothing.
 */
const running = new Map<Promise<void>, string>();

/** Starts `work` on the next turn of the event loop; its errors go to `onError`. */
export function runInBackground(name: string, work: () => Promise<unknown>, onError: (err: unknown) => void): void {
  const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
    .then(work)
    .then(
      () => undefined,
      (err: unknown) => {
        try {
          onError(err);
        } catch {
          // A failing error reporter must not become an unhandled rejection.
        }
      },
    )
    .finally(() => running.delete(task));
  running.set(task, name);
}

/** The names of the runs still going. */
export function backgroundRunning(): string[] {
  return [...running.values()];
}

/** Waits until every run has ended or `deadline` (epoch ms) has passed; returns the names
 *  of the runs still going. */
export async function settleBackground(deadline: number): Promise<string[]> {
  while (running.size > 0) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...running.keys()]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
      }),
    ]);
    clearTimeout(timer);
  }
  return backgroundRunning();
}
