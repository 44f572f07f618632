/**
 * Returns a function that loads one key but, within one tick, collects all keys asked for and loads them with a
 * single `loadMany` call (the DataLoader idea, for the one place we need it: per-run epoch curves in a page).
 * Create one per request: results are cached for the loader's life.
 */
export function createBatchLoader<K, V>(
  loadMany: (keys: K[]) => Promise<Map<K, V>>,
): (key: K) => Promise<V | undefined> {
  const cache = new Map<K, Promise<V | undefined>>();
  let queue: Array<{ key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }> = [];

  const dispatch = () => {
    const batch = queue;
    queue = [];
    loadMany([...new Set(batch.map((item) => item.key))]).then(
      (values) => {
        for (const item of batch) item.resolve(values.get(item.key));
      },
      (error) => {
        for (const item of batch) item.reject(error);
      },
    );
  };

  return (key) => {
    const cached = cache.get(key);
    if (cached) return cached;
    const promise = new Promise<V | undefined>((resolve, reject) => {
      if (queue.length === 0) setImmediate(dispatch);
      queue.push({ key, resolve, reject });
    });
    cache.set(key, promise);
    return promise;
  };
}
