/**
 * Runs `work` over the items, at most `limit` at a time, starting them in the items' order. One
 * item's failure does not stop the others (`work` reports its own outcome); `stopped` is asked before
 * each start, and once it answers true nothing more starts. Resolves when every started item has
 * finished, to the items that never started.
 */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, stopped: () => boolean = () => false): Promise<T[]> {
    if (!Number.isInteger(limit) || limit < 1) {
        throw new RangeError(`the number of operations at once must be a whole number of at least 1, not ${limit}`);
    }
    let next = 0;
    const worker = async () => {
        while (next < items.length && !stopped()) {
            const item = items[next];
            next += 1;
            await work(item);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return items.slice(next);
}
