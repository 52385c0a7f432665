//! Unit tests of `exec.rs`.

use super::*;
use std::sync::atomic::AtomicUsize;

#[test]
fn tree_fold_shape_depends_only_on_the_count() {
    // Combine as strings to see the tree.
    let combine = |a: String, b: String| Ok(format!("({a}{b})"));
    let mut fold = TreeFold::new();
    for i in 0..5 {
        fold.push(i.to_string(), &combine).unwrap();
    }
    assert_eq!(fold.finish(&combine).unwrap().unwrap(), "(((01)(23))4)");
    assert!(
        TreeFold::<String>::new()
            .finish(&combine)
            .unwrap()
            .is_none()
    );
}

#[test]
fn tasks_run_once_each_within_the_budget() {
    let ctx = Context::with_limits(8 << 20, 2).unwrap();
    let seen = Mutex::new(vec![0u32; 50]);
    let peak = AtomicU64::new(0);
    run_admitted(&ctx, "test", 50, 3 << 20, None, |i| {
        peak.fetch_max(ctx.budget().used(), Ordering::Relaxed);
        seen.lock().unwrap()[i as usize] += 1;
        Ok(())
    })
    .unwrap();
    assert!(seen.into_inner().unwrap().iter().all(|n| *n == 1));
    assert!(peak.load(Ordering::Relaxed) <= 8 << 20);
    assert_eq!(
        ctx.budget().used(),
        1 << 20,
        "only the cache share stays reserved"
    );
}

#[test]
fn first_error_stops_the_work() {
    let ctx = Context::with_limits(8 << 20, 1).unwrap();
    let ran = AtomicUsize::new(0);
    let err = run_admitted(&ctx, "test", 1000, 1 << 20, None, |i| {
        ran.fetch_add(1, Ordering::Relaxed);
        if i == 3 {
            Err(Error::Invalid("boom".into()))
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    assert_eq!(err.to_string(), "boom");
    assert!(ran.load(Ordering::Relaxed) < 1000);
}

#[test]
fn tasks_larger_than_the_budget_are_refused_up_front() {
    let ctx = Context::with_limits(4 << 20, 1).unwrap();
    let err = run_admitted(&ctx, "huge task", 3, 5 << 20, None, |_| Ok(())).unwrap_err();
    assert!(err.to_string().contains("huge task"), "{err}");
}

#[test]
fn a_single_thread_pool_does_not_deadlock_with_nested_parallelism() {
    use rayon::prelude::*;
    let ctx = Context::with_limits(4 << 20, 1).unwrap();
    run_admitted(&ctx, "nested", 20, 3 << 20, None, |_| {
        let total: u64 = (0..100u64).into_par_iter().sum();
        assert_eq!(total, 4950);
        Ok(())
    })
    .unwrap();
}
