//! A stable least-significant-digit radix sort on `u64` keys: the sorts of a million hashes
//! or distances a run does, in linear time, with the same result as a comparison sort.

/// Bits per pass.
const BITS: u32 = 11;
const BUCKETS: usize = 1 << BITS;
const PASSES: u32 = 64_u32.div_ceil(BITS);

/// Sorts `items` by `key`, stably: items with equal keys keep their order.
pub(crate) fn sort_by_u64_key<T: Copy>(items: &mut Vec<T>, key: impl Fn(&T) -> u64) {
    if items.len() < 2 {
        return;
    }
    // Every pass's histogram in one read; passes whose digit is the same everywhere are
    // skipped (the high bits of distances or small numbers).
    let mut counts = vec![[0usize; BUCKETS]; PASSES as usize];
    for item in items.iter() {
        let k = key(item);
        for (pass, count) in counts.iter_mut().enumerate() {
            count[digit(k, pass as u32)] += 1;
        }
    }
    let mut from = std::mem::take(items);
    let mut to = from.clone();
    for (pass, count) in counts.iter().enumerate() {
        if count.contains(&from.len()) {
            continue;
        }
        let mut start = [0usize; BUCKETS];
        let mut sum = 0;
        for (s, &c) in start.iter_mut().zip(count) {
            *s = sum;
            sum += c;
        }
        for item in &from {
            let d = digit(key(item), pass as u32);
            to[start[d]] = *item;
            start[d] += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    *items = from;
}

fn digit(k: u64, pass: u32) -> usize {
    ((k >> (pass * BITS)) & (BUCKETS as u64 - 1)) as usize
}

/// A key whose unsigned order is `f64::total_cmp`'s order.
#[cfg(test)]
pub(crate) fn f64_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 0 { b | 1 << 63 } else { !b }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn sorts_as_a_stable_comparison_sort() {
        let mut rng = Rng::new(8);
        for round in 0..60 {
            let n = rng.below(3000);
            let spread = [3, 1 << 20, u64::MAX][rng.below(3)];
            let items: Vec<(u64, u32)> = (0..n)
                .map(|i| ((rng.next_u64() % spread.max(1)), i as u32))
                .collect();
            let mut want = items.clone();
            want.sort_by_key(|x| x.0);
            let mut got = items;
            sort_by_u64_key(&mut got, |x| x.0);
            assert_eq!(got, want, "round {round}");
        }
    }

    #[test]
    fn f64_keys_order_as_total_cmp() {
        let mut rng = Rng::new(9);
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            5e-324,
        ];
        let mut xs: Vec<f64> = (0..5000).map(|_| rng.range(-1e4, 1e4)).collect();
        xs.extend(specials);
        xs.extend((0..500).map(|_| (rng.range(0.0, 1e3) * 100.0).round() / 100.0));
        let mut want = xs.clone();
        want.sort_by(f64::total_cmp);
        sort_by_u64_key(&mut xs, |x| f64_key(*x));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&xs), bits(&want));
    }
}
