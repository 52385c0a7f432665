//! Element arithmetic with numpy's semantics for each type: the integer, float and
//! float16 versions of every operator that keeps its operands' dtype.

use bytemuck::Pod;
use half::f16;

/// Numeric element arithmetic with numpy's semantics for each type.
pub(super) trait Num: Pod + PartialOrd + Default {
    fn add(self, o: Self) -> Self;
    fn sub(self, o: Self) -> Self;
    fn mul(self, o: Self) -> Self;
    /// True division; integers never reach it (their `Div` computes in f64).
    fn div(self, o: Self) -> Self;
    fn floordiv(self, o: Self) -> Self;
    fn rem(self, o: Self) -> Self;
    /// C's `fmod`: the sign follows the dividend; integer `fmod` by zero gives 0.
    fn fmod(self, o: Self) -> Self;
    /// `power`; integer exponents are non-negative (the kernel refuses negative ones).
    fn pow(self, o: Self) -> Self;
    /// `maximum`: the larger; a NaN operand wins (integers have none).
    #[inline(always)]
    fn maximum(self, o: Self) -> Self {
        if self >= o || self.is_nan() { self } else { o }
    }
    /// `minimum`: the smaller; a NaN operand wins.
    #[inline(always)]
    fn minimum(self, o: Self) -> Self {
        if self <= o || self.is_nan() { self } else { o }
    }
    /// `fmax`: the larger, ignoring a NaN operand.
    #[inline(always)]
    fn fmax(self, o: Self) -> Self {
        if self >= o || o.is_nan() { self } else { o }
    }
    /// `fmin`: the smaller, ignoring a NaN operand.
    #[inline(always)]
    fn fmin(self, o: Self) -> Self {
        if self <= o || o.is_nan() { self } else { o }
    }
    fn neg(self) -> Self;
    fn abs(self) -> Self;
    /// numpy's `sign`: -1, 0 or 1 (+0.0 for ±0.0; NaN stays NaN).
    fn sign(self) -> Self;
    /// numpy's `reciprocal`: `1 / x`; integers compute `1.0 / x` in f64 and convert.
    fn reciprocal(self) -> Self;
    fn floor(self) -> Self;
    fn ceil(self) -> Self;
    fn trunc(self) -> Self;
    /// numpy's `round(x, decimals)`: half to even, through a power of ten.
    fn round_to(self, decimals: i32) -> Self;
    fn is_nan(self) -> bool;
    fn is_inf(self) -> bool;
    fn is_finite(self) -> bool;
    fn signbit(self) -> bool;
    /// True for a negative value of a signed integer type (an exponent numpy refuses).
    fn negative_int(self) -> bool;
    /// True for a float 0.5: numpy's `power` with a broadcast exponent of 0.5 is `sqrt`.
    fn is_half(self) -> bool;
    /// Square root, for the 0.5 exponent (never reached for integers).
    fn sqrt(self) -> Self;
}

/// numpy's `power_of_ten`: 10^n as numpy's `round` builds it.
pub(super) fn power_of_ten(n: u32) -> f64 {
    const SMALL: [f64; 9] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];
    match SMALL.get(n as usize) {
        Some(&p) => p,
        None => {
            let mut p = 1e9;
            for _ in 9..n.min(400) {
                p *= 10.0;
            }
            p
        }
    }
}

/// Integer `round` with negative decimals, as numpy computes it: in f64 (divide by the
/// power of ten, round half to even, multiply), then converted back.
#[inline(always)]
fn round_int_f64(x: f64, decimals: i32) -> f64 {
    let f = power_of_ten(decimals.unsigned_abs());
    (x / f).round_ties_even() * f
}

/// f64 → integer as x86-64's conversion does it (what numpy's C casts give there): an
/// out-of-range or NaN value becomes the "integer indefinite" of the conversion width
/// (`i32::MIN` for the 32-bit conversion used by types of up to 32 bits, except u32;
/// `i64::MIN` for the 64-bit one), then truncates to the type's width.
#[inline(always)]
fn c_cast_i32(v: f64) -> i32 {
    if (-2147483648.0..2147483648.0).contains(&v.trunc()) {
        v as i32
    } else {
        i32::MIN
    }
}

#[inline(always)]
fn c_cast_i64(v: f64) -> i64 {
    // 2^63, exactly.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&v) {
        v as i64
    } else {
        i64::MIN
    }
}

/// Wrapping integer power by squaring; `e` is non-negative.
macro_rules! int_pow {
    ($base:expr, $e:expr, $t:ty) => {{
        let (mut base, mut e, mut acc) = ($base, $e as u64, 1 as $t);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.wrapping_mul(base);
            }
            base = base.wrapping_mul(base);
            e >>= 1;
        }
        acc
    }};
}

/// The methods every integer type shares; `$from_f64` converts a rounded f64 back.
macro_rules! int_common {
    ($t:ty, $from_f64:expr) => {
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            self.wrapping_add(o)
        }
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            self.wrapping_sub(o)
        }
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            self.wrapping_mul(o)
        }
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            self.floordiv(o)
        }
        #[inline(always)]
        fn neg(self) -> Self {
            self.wrapping_neg()
        }
        #[inline(always)]
        fn floor(self) -> Self {
            self
        }
        #[inline(always)]
        fn ceil(self) -> Self {
            self
        }
        #[inline(always)]
        fn trunc(self) -> Self {
            self
        }
        #[inline(always)]
        fn round_to(self, decimals: i32) -> Self {
            if decimals >= 0 {
                return self;
            }
            let convert: fn(f64) -> $t = $from_f64;
            convert(round_int_f64(self as f64, decimals))
        }
        #[inline(always)]
        fn is_nan(self) -> bool {
            false
        }
        #[inline(always)]
        fn is_inf(self) -> bool {
            false
        }
        #[inline(always)]
        fn is_finite(self) -> bool {
            true
        }
        #[inline(always)]
        fn is_half(self) -> bool {
            false
        }
        #[inline(always)]
        fn sqrt(self) -> Self {
            self
        }
    };
}

macro_rules! signed_num {
    ($($t:ty => $from_f64:expr),*) => {$(
        impl Num for $t {
            int_common!($t, $from_f64);
            #[inline(always)] fn floordiv(self, o: Self) -> Self {
                if o == 0 { return 0; }
                let q = self.wrapping_div(o);
                if self.wrapping_rem(o) != 0 && ((self < 0) != (o < 0)) { q - 1 } else { q }
            }
            #[inline(always)] fn rem(self, o: Self) -> Self {
                if o == 0 { return 0; }
                let r = self.wrapping_rem(o);
                if r != 0 && ((r < 0) != (o < 0)) { r + o } else { r }
            }
            #[inline(always)] fn fmod(self, o: Self) -> Self {
                if o == 0 { 0 } else { self.wrapping_rem(o) }
            }
            #[inline(always)] fn pow(self, o: Self) -> Self {
                // Negative exponents are refused before the loop; keep a defined value.
                if o < 0 { return 0; }
                int_pow!(self, o, $t)
            }
            #[inline(always)] fn abs(self) -> Self { self.wrapping_abs() }
            #[inline(always)] fn sign(self) -> Self { self.signum() }
            #[inline(always)] fn reciprocal(self) -> Self {
                match self {
                    // 1.0 / 0 = inf, which x86-64 converts to the indefinite integer.
                    0 => { let convert: fn(f64) -> $t = $from_f64; convert(f64::INFINITY) }
                    1 => 1,
                    -1 => -1,
                    _ => 0,
                }
            }
            #[inline(always)] fn signbit(self) -> bool { self < 0 }
            #[inline(always)] fn negative_int(self) -> bool { self < 0 }
        }
    )*};
}

macro_rules! unsigned_num {
    ($($t:ty => $from_f64:expr),*) => {$(
        impl Num for $t {
            int_common!($t, $from_f64);
            #[inline(always)] fn floordiv(self, o: Self) -> Self { if o == 0 { 0 } else { self / o } }
            #[inline(always)] fn rem(self, o: Self) -> Self { if o == 0 { 0 } else { self % o } }
            #[inline(always)] fn fmod(self, o: Self) -> Self { if o == 0 { 0 } else { self % o } }
            #[inline(always)] fn pow(self, o: Self) -> Self { int_pow!(self, o, $t) }
            #[inline(always)] fn abs(self) -> Self { self }
            #[inline(always)] fn sign(self) -> Self { Self::from(self != 0) }
            #[inline(always)] fn reciprocal(self) -> Self { Self::from(self == 1) }
            #[inline(always)] fn signbit(self) -> bool { false }
            #[inline(always)] fn negative_int(self) -> bool { false }
        }
    )*};
}

signed_num!(
    i8 => |v| c_cast_i32(v) as i8,
    i16 => |v| c_cast_i32(v) as i16,
    i32 => c_cast_i32,
    i64 => c_cast_i64
);
unsigned_num!(
    u8 => |v| c_cast_i32(v) as u8,
    u16 => |v| c_cast_i32(v) as u16,
    u32 => |v| c_cast_i64(v) as u32,
    // Saturating: x86-64 has no direct conversion to u64 and numpy's result for an
    // out-of-range value is the compiler's.
    u64 => |v| v as u64
);

/// numpy's `npy_divmod`: Python's floor division and remainder for floats.
macro_rules! float_divmod {
    ($name:ident, $t:ty) => {
        #[inline(always)]
        fn $name(a: $t, b: $t) -> ($t, $t) {
            let m = a % b;
            if b == 0.0 {
                return (a / b, m);
            }
            let mut div = (a - m) / b;
            let mut m = m;
            if m != 0.0 {
                if (b < 0.0) != (m < 0.0) {
                    m += b;
                    div -= 1.0;
                }
            } else {
                m = (0.0 as $t).copysign(b);
            }
            let q = if div != 0.0 {
                let f = div.floor();
                if div - f > 0.5 { f + 1.0 } else { f }
            } else {
                (0.0 as $t).copysign(a / b)
            };
            (q, m)
        }
    };
}

float_divmod!(divmod32, f32);
float_divmod!(divmod64, f64);

macro_rules! float_num {
    ($t:ty, $divmod:ident) => {
        impl Num for $t {
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                self + o
            }
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                self - o
            }
            #[inline(always)]
            fn mul(self, o: Self) -> Self {
                self * o
            }
            #[inline(always)]
            fn div(self, o: Self) -> Self {
                self / o
            }
            #[inline(always)]
            fn floordiv(self, o: Self) -> Self {
                $divmod(self, o).0
            }
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                if o == 0.0 {
                    self % o
                } else {
                    $divmod(self, o).1
                }
            }
            #[inline(always)]
            fn fmod(self, o: Self) -> Self {
                // Rust's float `%` is C's fmod.
                self % o
            }
            #[inline(always)]
            fn pow(self, o: Self) -> Self {
                self.powf(o)
            }
            #[inline(always)]
            fn neg(self) -> Self {
                -self
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn sign(self) -> Self {
                if self > 0.0 {
                    1.0
                } else if self < 0.0 {
                    -1.0
                } else if self == 0.0 {
                    0.0
                } else {
                    self
                }
            }
            #[inline(always)]
            fn reciprocal(self) -> Self {
                1.0 / self
            }
            #[inline(always)]
            fn floor(self) -> Self {
                <$t>::floor(self)
            }
            #[inline(always)]
            fn ceil(self) -> Self {
                <$t>::ceil(self)
            }
            #[inline(always)]
            fn trunc(self) -> Self {
                <$t>::trunc(self)
            }
            #[inline(always)]
            fn round_to(self, decimals: i32) -> Self {
                if decimals == 0 {
                    return self.round_ties_even();
                }
                // numpy multiplies (or divides) by the power of ten in the array's dtype.
                let f = power_of_ten(decimals.unsigned_abs()) as $t;
                if decimals > 0 {
                    (self * f).round_ties_even() / f
                } else {
                    (self / f).round_ties_even() * f
                }
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn is_inf(self) -> bool {
                <$t>::is_infinite(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn signbit(self) -> bool {
                self.is_sign_negative()
            }
            #[inline(always)]
            fn negative_int(self) -> bool {
                false
            }
            #[inline(always)]
            fn is_half(self) -> bool {
                self == 0.5
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
        }
    };
}

float_num!(f32, divmod32);
float_num!(f64, divmod64);

/// `f` of one f16, computed in f32 and rounded.
#[inline(always)]
fn via1(x: f16, f: impl Fn(f32) -> f32) -> f16 {
    f16::from_f32(f(x.to_f32()))
}

/// `f` of two f16s, computed in f32 and rounded.
#[inline(always)]
fn via2(x: f16, y: f16, f: impl Fn(f32, f32) -> f32) -> f16 {
    f16::from_f32(f(x.to_f32(), y.to_f32()))
}

/// f16 computes each result in f32 and rounds, like numpy's float16 loops.
impl Num for f16 {
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        via2(self, o, |x, y| x + y)
    }
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        via2(self, o, |x, y| x - y)
    }
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        via2(self, o, |x, y| x * y)
    }
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        via2(self, o, |x, y| x / y)
    }
    #[inline(always)]
    fn floordiv(self, o: Self) -> Self {
        via2(self, o, Num::floordiv)
    }
    #[inline(always)]
    fn rem(self, o: Self) -> Self {
        via2(self, o, Num::rem)
    }
    #[inline(always)]
    fn fmod(self, o: Self) -> Self {
        via2(self, o, |x, y| x % y)
    }
    #[inline(always)]
    fn pow(self, o: Self) -> Self {
        via2(self, o, f32::powf)
    }
    #[inline(always)]
    fn neg(self) -> Self {
        -self
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f16::from_bits(self.to_bits() & 0x7fff)
    }
    #[inline(always)]
    fn sign(self) -> Self {
        via1(self, Num::sign)
    }
    #[inline(always)]
    fn reciprocal(self) -> Self {
        via1(self, |x| 1.0 / x)
    }
    #[inline(always)]
    fn floor(self) -> Self {
        via1(self, f32::floor)
    }
    #[inline(always)]
    fn ceil(self) -> Self {
        via1(self, f32::ceil)
    }
    #[inline(always)]
    fn trunc(self) -> Self {
        via1(self, f32::trunc)
    }
    #[inline(always)]
    fn round_to(self, decimals: i32) -> Self {
        if decimals == 0 {
            return via1(self, f32::round_ties_even);
        }
        // Each step rounds to f16, as numpy's float16 multiply, rint and divide do.
        let f = f16::from_f64(power_of_ten(decimals.unsigned_abs()));
        type Step = fn(f16, f16) -> f16;
        let (scale, unscale): (Step, Step) = if decimals > 0 {
            (Num::mul, Num::div)
        } else {
            (Num::div, Num::mul)
        };
        unscale(via1(scale(self, f), f32::round_ties_even), f)
    }
    #[inline(always)]
    fn is_nan(self) -> bool {
        f16::is_nan(self)
    }
    #[inline(always)]
    fn is_inf(self) -> bool {
        f16::is_infinite(self)
    }
    #[inline(always)]
    fn is_finite(self) -> bool {
        f16::is_finite(self)
    }
    #[inline(always)]
    fn signbit(self) -> bool {
        self.is_sign_negative()
    }
    #[inline(always)]
    fn negative_int(self) -> bool {
        false
    }
    #[inline(always)]
    fn is_half(self) -> bool {
        // numpy's float16 power has no sqrt shortcut.
        false
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        via1(self, f32::sqrt)
    }
}
