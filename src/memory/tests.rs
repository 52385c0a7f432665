//! Unit tests of `memory.rs`.

use super::*;
use std::time::Duration;

#[test]
fn parses_sizes() {
    assert_eq!(parse_bytes("256MiB").unwrap(), 256 << 20);
    assert_eq!(parse_bytes("1GiB").unwrap(), 1 << 30);
    assert_eq!(parse_bytes("512M").unwrap(), 512 << 20);
    assert_eq!(parse_bytes("1.5G").unwrap(), 3 << 29);
    assert_eq!(parse_bytes("4096").unwrap(), 4096);
    assert!(parse_bytes("lots").is_err());
    assert!(parse_bytes("12 parsecs").is_err());
    assert!(parse_bytes("0").is_err());
}

#[test]
fn too_large_a_request_fails_at_once() {
    let budget = MemoryBudget::new(100);
    let err = budget.reserve(101, "decode chunk").unwrap_err().to_string();
    assert!(err.contains("decode chunk"), "{err}");
}

#[test]
fn reservations_block_until_freed() {
    let budget = MemoryBudget::new(100);
    let first = budget.reserve(80, "a").unwrap();
    assert!(budget.try_reserve(30).is_none());
    let waiter = {
        let budget = budget.clone();
        std::thread::spawn(move || budget.reserve(30, "b").map(|r| r.bytes()))
    };
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(budget.used(), 80);
    drop(first);
    assert_eq!(waiter.join().unwrap().unwrap(), 30);
    assert_eq!(budget.used(), 0);
}

#[test]
fn absurd_sizes_are_refused_not_saturated() {
    for text in [
        "99999999999999999999GiB",
        "16384PiB",
        "NaN",
        "-5MiB",
        "1e400",
        "inf",
        "0.5",
    ] {
        assert!(parse_bytes(text).is_err(), "{text}");
    }
    assert!(parse_bytes("17179869183GiB").is_ok());
    assert!(parse_bytes("18446744073709551616").is_err());
}

#[test]
fn a_budget_near_u64_max_does_not_overflow() {
    let budget = MemoryBudget::new(u64::MAX);
    let _held = budget.reserve(u64::MAX - 1, "big").unwrap();
    assert!(budget.try_reserve(2).is_none());
}

/// Whether the page at `address` is mapped (`mincore` fails with ENOMEM where not).
#[cfg(target_os = "linux")]
fn is_mapped(address: usize) -> bool {
    let mut resident = 0u8;
    // SAFETY: mincore only inspects the page tables; `address` is page aligned.
    unsafe { libc::mincore(address as *mut libc::c_void, 4096, &mut resident) == 0 }
}

#[test]
#[cfg(target_os = "linux")]
fn freed_chunk_mappings_are_reused_and_cut_to_length() {
    use std::alloc::{GlobalAlloc, Layout};
    let allocator = ChunkAllocator;
    // Sizes no other test asks for, so the shared pool's other slots do not interfere.
    let long = Layout::from_size_align(46 << 20, 8).unwrap();
    let short = Layout::from_size_align(41 << 20, 8).unwrap();
    // SAFETY: each block is written within its layout and freed once with it.
    unsafe {
        let first = allocator.alloc(long);
        assert!(!first.is_null());
        first.write_bytes(7, long.size());
        allocator.dealloc(first, long);
        // The same length: the same pages, zeroed again on request.
        let again = allocator.alloc_zeroed(long);
        assert_eq!(again, first, "a freed mapping of the same length is reused");
        assert!(
            std::slice::from_raw_parts(again, long.size())
                .iter()
                .all(|&b| b == 0)
        );
        allocator.dealloc(again, long);
        // A shorter one takes the pooled mapping with its tail unmapped, so the pool
        // never holds more than was live.
        let cut = allocator.alloc(short);
        assert_eq!(
            cut, first,
            "a longer pooled mapping serves a shorter buffer"
        );
        let kept = short.size().next_multiple_of(2 << 20);
        assert!(is_mapped(cut as usize + kept - 4096));
        assert!(!is_mapped(cut as usize + kept), "the tail is unmapped");
        cut.write_bytes(1, short.size());
        allocator.dealloc(cut, short);
    }
}
