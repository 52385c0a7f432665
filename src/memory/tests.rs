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
