//! Per-service work on several threads, results in input order (output must not depend on
//! scheduling). Worth it only for large projects: a thread costs some 50 µs to start and
//! starts an allocator heap of its own.

/// `f` over `items`, on up to `std::thread::available_parallelism` threads when there are
/// at least `min_per_thread` items for each (else on this thread), in the order of `items`.
pub fn map_in_order<T, R, F>(items: &[T], min_per_thread: usize, f: F) -> InOrder<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let size = chunk_size(items.len(), min_per_thread);
    in_order(items.chunks(size), |c: &[T]| c.iter().map(&f).collect())
}

/// [`map_in_order`] for work that changes each item in place.
pub fn map_mut_in_order<T, R, F>(items: &mut [T], min_per_thread: usize, f: F) -> InOrder<R>
where
    T: Send,
    R: Send,
    F: Fn(&mut T) -> R + Sync,
{
    let size = chunk_size(items.len(), min_per_thread);
    in_order(items.chunks_mut(size), |c: &mut [T]| {
        c.iter_mut().map(&f).collect()
    })
}

/// The fewest services (or entries of a top-level section) worth a thread of their own in
/// a per-service pass: below it, starting a thread and its allocator heap costs more than
/// the work it takes over (measured for binding, unicity, canonical forms and Quadlet
/// units alike).
pub const MIN_PER_THREAD: usize = 200;

/// Whether `len` items give two threads `min_per_thread` each: a pass can choose its
/// cheaper one-thread path without asking for the core count.
pub fn worth_splitting(len: usize, min_per_thread: usize) -> bool {
    len / min_per_thread.max(1) >= 2
}

/// Items per chunk: one chunk (no thread) unless every core gets `min_per_thread`.
fn chunk_size(len: usize, min_per_thread: usize) -> usize {
    let most_threads = len / min_per_thread.max(1);
    if !worth_splitting(len, min_per_thread) {
        // Too few items for a second thread: no need to ask the OS for the core count (it
        // reads three cgroup files on Linux, in every small run).
        return len.max(1);
    }
    let threads = cores().min(most_threads);
    len.div_ceil(threads).max(1)
}

/// The cores this process may use, asked once.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES
        .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// Results in input order, chunk after chunk: not concatenated into one vector, which for
/// 5,000 services copied every bound service once more into fresh memory.
pub type InOrder<R> = std::iter::Flatten<std::vec::IntoIter<Vec<R>>>;

/// `run` over each chunk, the first on this thread (instead of waiting idle) and each other
/// on a thread of its own; results in chunk order.
fn in_order<C, R, I, F>(chunks: I, run: F) -> InOrder<R>
where
    C: Send,
    R: Send,
    I: Iterator<Item = C>,
    F: Fn(C) -> Vec<R> + Sync,
{
    let mut chunks = chunks.peekable();
    let Some(first) = chunks.next() else {
        return Vec::new().into_iter().flatten();
    };
    if chunks.peek().is_none() {
        return vec![run(first)].into_iter().flatten();
    }
    let run = &run;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks.map(|c| scope.spawn(move || run(c))).collect();
        let mut out = Vec::with_capacity(handles.len() + 1);
        out.push(run(first));
        for h in handles {
            out.push(
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        out.into_iter().flatten()
    })
}

/// `items` cut into as many consecutive parts as there are cores, none smaller than
/// `min_per_part` (one part when there are too few items).
pub fn parts<T>(items: &[T], min_per_part: usize) -> Vec<&[T]> {
    items
        .chunks(chunk_size(items.len(), min_per_part))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_input_order_on_threads_and_off() {
        let items: Vec<usize> = (0..1000).collect();
        let expected: Vec<usize> = items.iter().map(|i| i * 3).collect();
        let all = |r: InOrder<usize>| r.collect::<Vec<_>>();
        assert_eq!(all(map_in_order(&items, 1, |i| i * 3)), expected);
        assert_eq!(all(map_in_order(&items, 10_000, |i| i * 3)), expected);
        assert_eq!(
            all(map_in_order(&items[..0], 1, |i| i * 3)),
            Vec::<usize>::new()
        );
        let mut changed = items.clone();
        let old: Vec<usize> = map_mut_in_order(&mut changed, 1, |i| {
            *i += 1;
            *i - 1
        })
        .collect();
        assert_eq!(old, items);
        assert_eq!(changed, items.iter().map(|i| i + 1).collect::<Vec<_>>());
    }

    #[test]
    fn chunks_are_one_unless_every_thread_gets_its_minimum() {
        assert_eq!(chunk_size(10, 6), 10);
        assert_eq!(chunk_size(11, 6), 11);
        assert_eq!(chunk_size(0, 6), 1);
        let size = chunk_size(1000, 1);
        assert!(1000usize.div_ceil(size) <= cores());
        if cores() > 1 {
            assert!(size < 1000);
        }
    }

    #[test]
    fn parts_cover_every_item_once_in_order() {
        let items: Vec<usize> = (0..1001).collect();
        for min in [1, 7, 500, 2000] {
            let parts = parts(&items, min);
            assert!(parts.iter().all(|p| !p.is_empty()));
            assert_eq!(parts.concat(), items);
        }
        assert!(parts::<usize>(&[], 1).is_empty());
    }
}
