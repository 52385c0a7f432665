use super::*;
use DType::*;

/// `np.result_type(np.dtype(a), np.dtype(b))` from numpy 2.4.6, rows and columns in
/// `DType::ALL` order.
const NUMPY_RESULT_TYPE: [[DType; 12]; 12] = [
    [Bool, I8, I16, I32, I64, U8, U16, U32, U64, F16, F32, F64],
    [I8, I8, I16, I32, I64, I16, I32, I64, F64, F16, F32, F64],
    [I16, I16, I16, I32, I64, I16, I32, I64, F64, F32, F32, F64],
    [I32, I32, I32, I32, I64, I32, I32, I64, F64, F64, F64, F64],
    [I64, I64, I64, I64, I64, I64, I64, I64, F64, F64, F64, F64],
    [U8, I16, I16, I32, I64, U8, U16, U32, U64, F16, F32, F64],
    [U16, I32, I32, I32, I64, U16, U16, U32, U64, F32, F32, F64],
    [U32, I64, I64, I64, I64, U32, U32, U32, U64, F64, F64, F64],
    [U64, F64, F64, F64, F64, U64, U64, U64, U64, F64, F64, F64],
    [F16, F16, F32, F64, F64, F16, F32, F64, F64, F16, F32, F64],
    [F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F32, F64],
    [F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64],
];

/// `(np.zeros(1, a) + literal).dtype` for literals `True`, `1`, `1.5` (numpy 2.4.6;
/// for the bool array with `True` the operator was `|`, as `+` is the same type).
const NUMPY_WITH_SCALAR: [[DType; 3]; 12] = [
    [Bool, I64, F64],
    [I8, I8, F64],
    [I16, I16, F64],
    [I32, I32, F64],
    [I64, I64, F64],
    [U8, U8, F64],
    [U16, U16, F64],
    [U32, U32, F64],
    [U64, U64, F64],
    [F16, F16, F16],
    [F32, F32, F32],
    [F64, F64, F64],
];

#[test]
fn result_type_matches_numpy_table() {
    for (i, a) in DType::ALL.iter().enumerate() {
        for (j, b) in DType::ALL.iter().enumerate() {
            assert_eq!(result_type(*a, *b), NUMPY_RESULT_TYPE[i][j], "{a} with {b}");
        }
    }
}

#[test]
fn result_type_is_symmetric() {
    for a in DType::ALL {
        for b in DType::ALL {
            assert_eq!(result_type(a, b), result_type(b, a));
        }
    }
}

#[test]
fn weak_scalars_match_numpy_table() {
    let scalars = [Scalar::Bool(true), Scalar::Int(1), Scalar::Float(1.5)];
    for (i, a) in DType::ALL.iter().enumerate() {
        for (j, s) in scalars.iter().enumerate() {
            assert_eq!(
                result_type_with_scalar(*a, *s),
                NUMPY_WITH_SCALAR[i][j],
                "{a} with {s:?}"
            );
        }
    }
}

#[test]
fn scalar_defaults() {
    assert_eq!(scalar_default_dtype(Scalar::Bool(false)), Bool);
    assert_eq!(scalar_default_dtype(Scalar::Int(-3)), I64);
    assert_eq!(scalar_default_dtype(Scalar::Float(0.5)), F64);
}

#[test]
fn brief_examples() {
    assert_eq!(result_type(I32, F32), F64);
    assert_eq!(result_type(U8, I8), I16);
    assert_eq!(result_type(U64, I64), F64);
    assert_eq!(result_type(Bool, I8), I8);
    assert_eq!(result_type(F16, I8), F16);
    assert_eq!(result_type(F16, I16), F32);
}
