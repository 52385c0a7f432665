//! Unit tests of `store/zarr/bounded.rs`.

use super::*;

#[test]
fn inflate_stops_at_the_limit() {
    let data = vec![0u8; 1 << 20];
    let mut compressor = libdeflater::Compressor::new(libdeflater::CompressionLvl::default());
    let mut gz = vec![0; compressor.gzip_compress_bound(data.len())];
    let n = compressor.gzip_compress(&data, &mut gz).unwrap();
    gz.truncate(n);
    assert_eq!(inflate(Kind::Gzip, &gz, 1 << 20).unwrap().len(), 1 << 20);
    assert!(inflate(Kind::Gzip, &gz, 1000).is_err());
    assert!(inflate(Kind::Gzip, &gz[..n / 2], 1 << 20).is_err());
}

#[test]
fn zstd_and_bz2_stop_at_the_limit() {
    let data = vec![7u8; 1 << 20];
    let z = zstd::bulk::compress(&data, 3).unwrap();
    assert_eq!(unzstd(&z, 1 << 20).unwrap(), data);
    assert!(unzstd(&z, 1 << 19).is_err());
    let mut bz = Vec::new();
    bzip2::read::BzEncoder::new(&data[..], bzip2::Compression::fast())
        .read_to_end(&mut bz)
        .unwrap();
    assert_eq!(bunzip2(&bz, 1 << 20).unwrap(), data);
    assert!(bunzip2(&bz, 1 << 19).is_err());
}
