//! Fast formatting of floats that hold a whole number of `d`-decimal steps (coordinates
//! rounded to 7 decimals, distances to 2): the digits come from integer arithmetic instead of
//! a shortest round-trip search, and are byte-for-byte what [`push_f64`] writes.
//!
//! Why the bytes agree: let `x` be the double nearest to `m / 10^d` for an integer `m` with
//! `|m| < 2^50`. Then `ulp(x) <= |x| 2^-52 < 10^-d / 4`, so the interval of decimals that read
//! back as `x` (at most one ulp wide) holds exactly one multiple of `10^-d`: `m / 10^d`
//! itself. Any decimal with no more significant digits than `m / 10^d` and a leading digit
//! no lower than one place below it is such a multiple, so ryu's shortest round-trip digits
//! (shortest, then closest) are exactly the digits of `m / 10^d` with trailing zeros dropped.
//! ryu writes them in plain decimal notation for values in `[1e-5, 1e16)`; the fast path
//! keeps to `[1e-4, 2^50 / 10^d)`. Whole numbers (and `-0.0`) take [`push_f64`]'s `itoa`
//! path, as do values outside that range, which keep the general path.

use super::layers::push_f64;

/// Largest `|value × 10^d|` (exclusive) the fast path takes.
const MAX_SCALED: f64 = (1u64 << 50) as f64;

/// Decimals the fast path knows: powers of ten up to 10^15, all exact doubles.
const POW10: [u64; 16] = {
    let mut p = [1u64; 16];
    let mut i = 1;
    while i < 16 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// `v.round()` (half away from zero, the sign of zero kept) for every `v`, without the call
/// to the software `round` that baseline x86-64 (no SSE4.1 rounding instruction) makes:
/// below 2^52 the truncation and the remainder are exact, above it `v` is whole already.
#[inline]
pub fn round_half_away(v: f64) -> f64 {
    if v.is_nan() || v.abs() >= TWO_52 {
        return v.round();
    }
    let t = v as i64;
    let rest = v - t as f64;
    let t = if rest >= 0.5 {
        t + 1
    } else if rest <= -0.5 {
        t - 1
    } else {
        t
    };
    (t as f64).copysign(v)
}

/// 2^52: from here up every double is a whole number.
const TWO_52: f64 = (1u64 << 52) as f64;

/// Appends `x` exactly as [`push_f64`] does, fast when `x` is the double nearest to a
/// multiple of `10^-d` (such as [`crate::study::round_output`]'s coordinates).
#[inline]
pub fn push_decimals(out: &mut String, x: f64, d: usize) {
    if let Some(&p) = POW10.get(d) {
        let scale = p as f64;
        let m = round_half_away(x * scale);
        // Division is correctly rounded, so equality means `x` is the double nearest to
        // `m / 10^d`, which is what the proof above needs.
        if m / scale == x && push_scaled(out, m, d) {
            return;
        }
    }
    push_f64(out, x);
}

/// Appends the double nearest to `m / 10^d` as [`push_f64`] would, for an integral `m`;
/// false (and nothing written) outside the range the module's proof covers.
#[inline]
pub(super) fn push_scaled(out: &mut String, m: f64, d: usize) -> bool {
    let Some(&p) = POW10.get(d) else {
        return false;
    };
    let a = m.abs();
    if a.is_nan() || a >= MAX_SCALED {
        return false;
    }
    let a = a as u64;
    let (int, frac) = (a / p, a % p);
    // Whole numbers go through itoa; below 1e-4 ryu may switch to exponent notation.
    if frac == 0 || (int == 0 && frac * 10_000 < p) {
        return false;
    }
    if m < 0.0 {
        out.push('-');
    }
    out.push_str(itoa::Buffer::new().format(int));
    out.push('.');
    push_fraction(out, frac, d);
    true
}

/// Appends `frac` (not zero) as `d` decimal digits with the trailing zeros dropped.
fn push_fraction(out: &mut String, mut frac: u64, d: usize) {
    let mut n = d;
    while frac.is_multiple_of(10) {
        frac /= 10;
        n -= 1;
    }
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(frac);
    for _ in digits.len()..n {
        out.push('0');
    }
    out.push_str(digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old `push_rounded`, kept as the oracle.
    fn rounded_oracle(x: f64, digits: i32) -> String {
        let f = 10f64.powi(digits);
        let mut s = String::new();
        push_f64(&mut s, (x * f).round() / f);
        s
    }

    fn f64_oracle(x: f64) -> String {
        let mut s = String::new();
        push_f64(&mut s, x);
        s
    }

    /// splitmix64: a small seeded generator, so failures reproduce.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Checks one value against the oracles: as a `d`-decimal value, its neighbours one ulp
    /// away (not on the grid), and through `push_rounded`.
    fn check(x: f64, d: usize) {
        for v in [x, next_up(x), next_down(x), -x] {
            let mut s = String::new();
            push_decimals(&mut s, v, d);
            assert_eq!(s, f64_oracle(v), "push_decimals({v:e}, {d})");
            let mut r = String::new();
            super::super::layers::push_rounded(&mut r, v, d as i32);
            assert_eq!(r, rounded_oracle(v, d as i32), "push_rounded({v:e}, {d})");
        }
    }

    fn next_up(x: f64) -> f64 {
        if x.is_finite() {
            f64::from_bits(if x >= 0.0 {
                x.to_bits() + 1
            } else {
                x.to_bits() - 1
            })
        } else {
            x
        }
    }

    fn next_down(x: f64) -> f64 {
        -next_up(-x)
    }

    #[test]
    fn rounding_matches_std_bit_for_bit() {
        let mut rng = Rng(52);
        let edges = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            -2.5,
            0.49999999999999994,
            -0.49999999999999994,
            TWO_52 - 0.5,
            TWO_52 - 1.5,
            TWO_52,
            -TWO_52 + 0.5,
            2f64.powi(53) + 2.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let random = (0..2_000_000).map(|i| match i % 3 {
            0 => f64::from_bits(rng.next()),
            1 => (rng.unit() - 0.5) * 10f64.powi((rng.next() % 18) as i32),
            _ => {
                ((rng.next() >> (rng.next() % 60)) as f64 + 0.5)
                    * if i % 2 == 0 { 1.0 } else { -1.0 }
            }
        });
        for v in edges.into_iter().chain(random) {
            for v in [v, next_up(v), next_down(v)] {
                assert_eq!(round_half_away(v).to_bits(), v.round().to_bits(), "{v:e}");
            }
        }
        assert!(round_half_away(f64::NAN).is_nan());
    }

    #[test]
    fn powers_of_ten_match_powi() {
        for (d, p) in POW10.iter().enumerate() {
            assert_eq!(10f64.powi(d as i32), *p as f64);
            assert_eq!(*p as f64 as u64, *p);
        }
    }

    #[test]
    fn edge_values_match_ryu() {
        let edges = [
            0.0,
            -0.0,
            1e-7,
            -1e-7,
            0.005,
            0.015,
            0.125,
            2.5,
            0.5,
            1e-4,
            1e-5,
            1.2e-5,
            9.99e-5,
            0.0001,
            0.00015,
            117.1987873,
            31.8230963,
            -117.1987873,
            179.9999999,
            -180.0,
            89.9999999,
            1e15,
            1e16,
            1e22,
            1e300,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            (1u64 << 50) as f64 / 1e7,
            (1u64 << 50) as f64 / 1e2,
            (1u64 << 53) as f64,
            0.1 + 0.2,
            1.0 / 3.0,
            123456.785,
            9.9999999,
            99.995,
        ];
        for x in edges {
            for d in 0..=16 {
                check(x, d);
            }
        }
    }

    /// Random values on and off each decimal grid, across magnitudes, plus exact halves.
    #[test]
    fn random_values_match_ryu() {
        let mut rng = Rng(0x5EED);
        for i in 0..400_000u64 {
            let d = (i % 16) as usize;
            let p = 10f64.powi(d as i32);
            // A random magnitude from 1e-12 to 1e17 and its grid value.
            let mag = 10f64.powf(rng.unit() * 29.0 - 12.0);
            let raw = rng.unit() * mag;
            check(raw, d);
            check((raw * p).round() / p, d);
            // Exact halves between grid points.
            let m = (rng.next() >> (14 + rng.next() % 50)) as f64;
            check((m + 0.5) / p, d);
            check(m / p, d);
            // Any bit pattern.
            check(f64::from_bits(rng.next()), d);
        }
    }

    /// Coordinates as the layers write them: rounded to 7 decimals by `round_output`.
    #[test]
    fn coordinates_match_ryu() {
        let mut rng = Rng(7);
        for _ in 0..1_000_000 {
            let lon = crate::study::round_output(rng.unit() * 360.0 - 180.0);
            let lat = crate::study::round_output(rng.unit() * 180.0 - 90.0);
            let near = crate::study::round_output(117.0 + rng.unit() * 1e-3);
            for v in [lon, lat, near] {
                let mut s = String::new();
                push_decimals(&mut s, v, 7);
                assert_eq!(s, f64_oracle(v), "{v:e}");
                // The fast path itself takes every non-integral coordinate from 1e-4 up.
                let mut fast = String::new();
                let taken = push_scaled(&mut fast, (v * 1e7).round(), 7);
                assert_eq!(taken, v.abs() >= 1e-4 && v.fract() != 0.0, "{v:e}");
                if taken {
                    assert_eq!(fast, s, "{v:e}");
                }
            }
        }
    }

    /// Distances and minutes as the layers write them: two decimals, a few metres to a few
    /// hundred kilometres.
    #[test]
    fn two_decimal_values_match_ryu() {
        let mut rng = Rng(2);
        for _ in 0..1_000_000 {
            let x = rng.unit() * 10f64.powi((rng.next() % 7) as i32);
            let mut s = String::new();
            super::super::layers::push_rounded(&mut s, x, 2);
            assert_eq!(s, rounded_oracle(x, 2), "{x:e}");
        }
    }
}
