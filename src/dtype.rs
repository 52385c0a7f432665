//! Element types. tessera computes on twelve numeric dtypes; everything else (strings,
//! objects, compounds) is refused at open time. Data in memory is always in native byte
//! order; stores convert on the way in and out.

use std::fmt;

/// A numeric element type, named as numpy names it.
///
/// Deliberately exhaustive (not `#[non_exhaustive]`): code that turns chunk bytes into
/// values matches every dtype, and every dtype here is a fixed-size number. A new kind
/// of element (complex, strings) changes that contract, so adding one is a breaking
/// change announced by a new minor version, not something a `_` arm could absorb.
///
/// # Examples
/// ```
/// use tessera::DType;
/// assert_eq!(DType::parse("float32"), Some(DType::F32));
/// assert_eq!(DType::F32.size(), 4);
/// assert_eq!(DType::I16.to_string(), "int16");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// numpy's `bool`: one byte, 0 or 1.
    Bool,
    /// `int8`: signed 8-bit integer.
    I8,
    /// `int16`: signed 16-bit integer.
    I16,
    /// `int32`: signed 32-bit integer.
    I32,
    /// `int64`: signed 64-bit integer.
    I64,
    /// `uint8`: unsigned 8-bit integer.
    U8,
    /// `uint16`: unsigned 16-bit integer.
    U16,
    /// `uint32`: unsigned 32-bit integer.
    U32,
    /// `uint64`: unsigned 64-bit integer.
    U64,
    /// `float16`: IEEE 754 half precision (`half::f16`).
    F16,
    /// `float32`: IEEE 754 single precision.
    F32,
    /// `float64`: IEEE 754 double precision.
    F64,
}

/// Byte order of data in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    /// Least significant byte first (x86, ARM; numpy's `<`).
    Little,
    /// Most significant byte first (numpy's `>`).
    Big,
}

impl Endian {
    /// The byte order of the machine tessera runs on.
    pub const NATIVE: Endian = if cfg!(target_endian = "little") {
        Endian::Little
    } else {
        Endian::Big
    };
}

impl DType {
    /// Every supported dtype, in a stable order.
    pub const ALL: [DType; 12] = [
        DType::Bool,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F16,
        DType::F32,
        DType::F64,
    ];

    /// Bytes per element.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(tessera::DType::U64.size(), 8);
    /// assert_eq!(tessera::DType::Bool.size(), 1);
    /// ```
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 | DType::F16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 => 8,
        }
    }

    /// numpy's name: `bool`, `int8`, ..., `float64`.
    ///
    /// # Examples
    /// ```
    /// assert_eq!(tessera::DType::F16.name(), "float16");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
            DType::U16 => "uint16",
            DType::U32 => "uint32",
            DType::U64 => "uint64",
            DType::F16 => "float16",
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }

    /// Parses a name as given on the command line: Rust names (`f64`, `i8`, `u16`),
    /// numpy names (`float64`, `int8`) or a numpy type string with byte order (`<f8`).
    /// Bare numpy codes without a byte order are not accepted because `i8`/`u8` mean
    /// one byte in Rust and eight bytes in numpy.
    ///
    /// # Examples
    /// ```
    /// use tessera::DType;
    /// assert_eq!(DType::parse("uint8"), Some(DType::U8));
    /// assert_eq!(DType::parse("complex64"), None);
    /// ```
    pub fn parse(text: &str) -> Option<DType> {
        let t = text.trim().to_ascii_lowercase();
        if let Some((dtype, _)) = DType::from_numpy_str(&t) {
            return Some(dtype);
        }
        Some(match t.as_str() {
            "bool" => DType::Bool,
            "i8" | "int8" => DType::I8,
            "i16" | "int16" => DType::I16,
            "i32" | "int32" => DType::I32,
            "i64" | "int64" => DType::I64,
            "u8" | "uint8" => DType::U8,
            "u16" | "uint16" => DType::U16,
            "u32" | "uint32" => DType::U32,
            "u64" | "uint64" => DType::U64,
            "f16" | "float16" => DType::F16,
            "f32" | "float32" => DType::F32,
            "f64" | "float64" => DType::F64,
            _ => return None,
        })
    }

    /// Parses a numpy type string such as `<f8`, `>i2`, `|u1`, `|b1`, returning the
    /// dtype and its byte order. `None` for anything non-numeric (`<U7`, `|S4`, `|O`).
    ///
    /// # Examples
    /// ```
    /// use tessera::DType;
    /// let dtype = DType::from_numpy_str("<f8").map(|(dtype, _endian)| dtype);
    /// assert_eq!(dtype, Some(DType::F64));
    /// assert!(DType::from_numpy_str("<U3").is_none(), "strings are not computed on");
    /// ```
    pub fn from_numpy_str(text: &str) -> Option<(DType, Endian)> {
        let mut chars = text.chars();
        let order = chars.next()?;
        let rest: String = chars.collect();
        let endian = match order {
            '<' | '|' => Endian::Little,
            '>' => Endian::Big,
            '=' => Endian::NATIVE,
            _ => return None,
        };
        let dtype = match rest.as_str() {
            "b1" => DType::Bool,
            "i1" => DType::I8,
            "i2" => DType::I16,
            "i4" => DType::I32,
            "i8" => DType::I64,
            "u1" => DType::U8,
            "u2" => DType::U16,
            "u4" => DType::U32,
            "u8" => DType::U64,
            "f2" => DType::F16,
            "f4" => DType::F32,
            "f8" => DType::F64,
            _ => return None,
        };
        Some((dtype, endian))
    }

    /// numpy's type string in the given byte order (`<f8`, `|u1`).
    ///
    /// # Examples
    /// ```
    /// use tessera::DType;
    /// use tessera::dtype::Endian;
    /// assert_eq!(DType::I32.numpy_str(Endian::Little), "<i4");
    /// assert_eq!(DType::U8.numpy_str(Endian::Little), "|u1");
    /// ```
    pub fn numpy_str(self, endian: Endian) -> String {
        let kind = match self {
            DType::Bool => "b",
            DType::I8 | DType::I16 | DType::I32 | DType::I64 => "i",
            DType::U8 | DType::U16 | DType::U32 | DType::U64 => "u",
            DType::F16 | DType::F32 | DType::F64 => "f",
        };
        let order = if self.size() == 1 {
            '|'
        } else if endian == Endian::Little {
            '<'
        } else {
            '>'
        };
        format!("{order}{kind}{}", self.size())
    }

    /// True for float16/32/64.
    ///
    /// # Examples
    /// ```
    /// assert!(tessera::DType::F16.is_float());
    /// assert!(!tessera::DType::I64.is_float());
    /// ```
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::F32 | DType::F64)
    }

    /// The smallest and largest value of an integer dtype, `None` for floats and bool.
    ///
    /// # Examples
    /// ```
    /// use tessera::DType;
    /// assert_eq!(DType::I8.int_range(), Some((-128, 127)));
    /// assert_eq!(DType::U64.int_range(), Some((0, u64::MAX.into())));
    /// assert_eq!(DType::F32.int_range(), None);
    /// ```
    pub fn int_range(self) -> Option<(i128, i128)> {
        Some(match self {
            DType::I8 => (i8::MIN.into(), i8::MAX.into()),
            DType::I16 => (i16::MIN.into(), i16::MAX.into()),
            DType::I32 => (i32::MIN.into(), i32::MAX.into()),
            DType::I64 => (i64::MIN.into(), i64::MAX.into()),
            DType::U8 => (0, u8::MAX.into()),
            DType::U16 => (0, u16::MAX.into()),
            DType::U32 => (0, u32::MAX.into()),
            DType::U64 => (0, u64::MAX.into()),
            _ => return None,
        })
    }

    /// True for the signed integer types.
    ///
    /// # Examples
    /// ```
    /// assert!(tessera::DType::I8.is_signed_int());
    /// assert!(!tessera::DType::U8.is_signed_int());
    /// ```
    pub fn is_signed_int(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Reverses the byte order of every `size`-byte element of `bytes` in place.
pub fn swap_bytes_in_place(bytes: &mut [u8], size: usize) {
    if size > 1 {
        for element in bytes.chunks_exact_mut(size) {
            element.reverse();
        }
    }
}

/// Rust types that are tessera elements. Lets typed code view chunk bytes safely.
pub trait Element: bytemuck::Pod + Send + Sync + 'static {
    /// The dtype this Rust type stands for.
    const DTYPE: DType;
}

macro_rules! element {
    ($($t:ty => $d:ident),*) => { $(impl Element for $t { const DTYPE: DType = DType::$d; })* };
}
element!(i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16, u32 => U32,
         u64 => U64, half::f16 => F16, f32 => F32, f64 => F64);

#[cfg(test)]
mod tests;
