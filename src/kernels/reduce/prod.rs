//! Float products whose outcome does not depend on how the elements are split.
//!
//! numpy multiplies a float product one element after another in the result dtype, so
//! the order decides the outcome once a zero meets an overflow: `prod([1e200, 1e200,
//! 0.0])` is `inf * 0 = NaN`, while `prod([0.0, 1e200, 1e200])` is 0. Multiplying
//! chunk products would give 0 for the first. A [`ProdAcc`] summarises a run of
//! elements as a function of the running product that enters it, so summaries of
//! consecutive runs compose exactly:
//!
//! - flags: a NaN, a zero, an infinity seen, which special (zero or infinity) came
//!   first, and the sign (the xor of every element's sign bit: IEEE multiplication
//!   keeps it through overflow and underflow);
//! - the product of the finite nonzero prefix (the elements before the first special)
//!   as `r * 2^e`, `r` in `[1, 2)`, an exponent range no float type overflows;
//! - two cut-offs in log2 units of the entering running product `p`: the prefix
//!   overflows before it underflows to zero iff `log2|p| >= up`, underflows first iff
//!   `log2|p| < down`. Overflow-first is monotone in `|p|`, so one number each suffices,
//!   and they compose: `up = min(up_a, max(down_a, up_b - L_a))`,
//!   `down = max(down_a, min(up_a, down_b - L_a))` with `L_a = log2` of a's prefix.
//!
//! The outcome classes (NaN, ±0, ±inf, finite) are numpy's sequential ones whatever the
//! chunking; finite values may differ in the last bits (a different rounding order), and
//! a product within rounding of the overflow or underflow threshold may land on either
//! side, as the rounding of a sequential product would decide.

use crate::dtype::DType;

const NAN: u8 = 1;
const ZERO: u8 = 2;
const INF: u8 = 4;
const FIRST_ZERO: u8 = 8;
const FIRST_INF: u8 = 16;
const NEG: u8 = 32;
const FIRST: u8 = FIRST_ZERO | FIRST_INF;

/// log2 of the magnitudes at which a product rounded to a float dtype overflows
/// (`up`) and underflows to zero (`down`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Limits {
    up: f64,
    down: f64,
}

impl Limits {
    /// The limits of the dtype numpy multiplies `dtype` in.
    pub(super) fn of(dtype: DType) -> Limits {
        match dtype {
            // numpy multiplies float16 in float32 (rounding once at the end); the
            // largest finite value plus half an ulp rounds to inf
            DType::F16 | DType::F32 => Limits {
                up: 128.0 + (1.0 - 2f64.powi(-25)).log2(),
                down: -150.0,
            },
            _ => Limits {
                up: 1024.0,
                down: -1075.0,
            },
        }
    }
}

/// The summary of a run of a float product (see the module docs); the empty run is
/// [`ProdAcc::default`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct ProdAcc {
    r: f64,
    e: i64,
    up: f64,
    down: f64,
    flags: u8,
}

impl Default for ProdAcc {
    fn default() -> ProdAcc {
        ProdAcc {
            r: 1.0,
            e: 0,
            up: f64::INFINITY,
            down: f64::NEG_INFINITY,
            flags: 0,
        }
    }
}

/// `x` (finite, nonzero) as `(m, e)`, `|x| = m * 2^e`, `m` in `[1, 2)`.
#[inline(always)]
fn split(x: f64) -> (f64, i64) {
    let bits = x.to_bits() & !(1u64 << 63);
    let exp = (bits >> 52) as i64;
    if exp == 0 {
        // subnormal: scale into the normal range first (exact)
        let (m, e) = split(x * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
    (m, exp - 1023)
}

impl ProdAcc {
    /// Multiplies one more element in; `skip_nan` treats NaN as 1 (`nanprod`).
    #[inline(always)]
    pub(super) fn push(&mut self, x: f64, lim: Limits, skip_nan: bool) {
        if x.is_nan() {
            if !skip_nan {
                self.flags |= NAN;
            }
            return;
        }
        if x.is_sign_negative() {
            self.flags ^= NEG;
        }
        if x == 0.0 || x.is_infinite() {
            let (seen, first) = if x == 0.0 {
                (ZERO, FIRST_ZERO)
            } else {
                (INF, FIRST_INF)
            };
            self.flags |= seen;
            if self.flags & FIRST == 0 {
                self.flags |= first;
            }
            return;
        }
        if self.flags & FIRST != 0 {
            return;
        }
        let (m, e) = split(x);
        self.r *= m;
        self.e += e;
        if self.r >= 2.0 {
            self.r *= 0.5;
            self.e += 1;
        }
        // log2 of the prefix product lies in [e, e + 1): the cut-offs move only when it
        // may pass a record level.
        let (e, hi, lo) = (self.e as f64, lim.up - self.up, lim.down - self.down);
        if e + 1.0 > hi || e < lo {
            let level = e + self.r.log2();
            let up = self.up.min(self.down.max(lim.up - level));
            self.down = self.down.max(self.up.min(lim.down - level));
            self.up = up;
        }
    }

    /// The summary of this run followed by `b`.
    pub(super) fn then(&mut self, b: &ProdAcc) {
        let seen = (self.flags | b.flags) & (NAN | ZERO | INF);
        let sign = (self.flags ^ b.flags) & NEG;
        let mut first = self.flags & FIRST;
        if first == 0 {
            let level = self.e as f64 + self.r.log2();
            let up = self.up.min(self.down.max(b.up - level));
            self.down = self.down.max(self.up.min(b.down - level));
            self.up = up;
            self.r *= b.r;
            self.e += b.e;
            if self.r >= 2.0 {
                self.r *= 0.5;
                self.e += 1;
            }
            first = b.flags & FIRST;
        }
        self.flags = seen | sign | first;
    }

    /// The product, starting from 1 (as numpy's), in f64; rounding it to the dtype of
    /// `lim` gives that dtype's sequential class.
    pub(super) fn value(&self) -> f64 {
        if self.flags & NAN != 0 {
            return f64::NAN;
        }
        let signed = |v: f64| if self.flags & NEG != 0 { -v } else { v };
        // the running product enters at 1: log2 = 0
        let infinite = if 0.0 >= self.up {
            true
        } else if 0.0 < self.down || self.flags & FIRST_ZERO != 0 {
            false
        } else if self.flags & FIRST_INF != 0 {
            true
        } else {
            let half = self.e / 2;
            let scaled = self.r * 2f64.powi(half as i32) * 2f64.powi((self.e - half) as i32);
            return signed(scaled);
        };
        if infinite {
            if self.flags & ZERO != 0 {
                f64::NAN
            } else {
                signed(f64::INFINITY)
            }
        } else if self.flags & INF != 0 {
            f64::NAN
        } else {
            signed(0.0)
        }
    }
}
