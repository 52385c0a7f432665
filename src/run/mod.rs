//! Running graphs: `compute` into memory and `store` into a file (`compute`), several
//! outputs in one pass over shared inputs (`many`), and the eager counting pass a
//! boolean mask needs (`mask`). Every run is planned first (`plan`) and executed chunk by
//! chunk under the budget (`exec`).

pub(crate) mod compute;
pub(crate) mod many;
mod mask;
