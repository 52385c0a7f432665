//! Unit tests of slices.

use super::*;

#[test]
fn python_slices_resolve_like_python() {
    let r =
        |start, stop, step| resolve_slice(SliceItem::Range { start, stop, step }, 10, 0).unwrap();
    assert_eq!(
        r(None, None, None),
        AxisSlice::Range {
            start: 0,
            step: 1,
            len: 10
        }
    );
    assert_eq!(
        r(Some(2), Some(8), Some(3)),
        AxisSlice::Range {
            start: 2,
            step: 3,
            len: 2
        }
    );
    assert_eq!(
        r(None, None, Some(-1)),
        AxisSlice::Range {
            start: 9,
            step: -1,
            len: 10
        }
    );
    assert_eq!(
        r(Some(-3), None, None),
        AxisSlice::Range {
            start: 7,
            step: 1,
            len: 3
        }
    );
    assert_eq!(
        r(Some(8), Some(2), Some(-2)),
        AxisSlice::Range {
            start: 8,
            step: -2,
            len: 3
        }
    );
    assert_eq!(
        r(Some(5), Some(2), None),
        AxisSlice::Range {
            start: 5,
            step: 1,
            len: 0
        }
    );
    assert_eq!(
        r(Some(-100), Some(100), None),
        AxisSlice::Range {
            start: 0,
            step: 1,
            len: 10
        }
    );
    assert_eq!(
        resolve_slice(SliceItem::Index(-1), 10, 0).unwrap(),
        AxisSlice::Index(9)
    );
    assert!(resolve_slice(SliceItem::Index(10), 10, 0).is_err());
    assert!(
        resolve_slice(
            SliceItem::Range {
                start: None,
                stop: None,
                step: Some(0)
            },
            10,
            0
        )
        .is_err()
    );
}
