use super::*;

use super::header::{MAX_ATTRIBUTE_BYTES, MAX_HEADER_BYTES};
use crate::store::{AttrElement, AttrShape, Attribute};
use serde_json::json;

// ----- a small netCDF-3 writer, laid out as netCDF-C lays files out -----------------

const BYTE: u32 = 1;
const CHAR: u32 = 2;
const SHORT: u32 = 3;
const INT: u32 = 4;
const FLOAT: u32 = 5;
const DOUBLE: u32 = 6;
const UBYTE: u32 = 7;
const INT64: u32 = 10;

fn type_size(ty: u32) -> usize {
    match ty {
        BYTE | CHAR | UBYTE => 1,
        SHORT | 8 => 2,
        INT | FLOAT | 9 => 4,
        _ => 8,
    }
}

struct TAttr {
    name: String,
    ty: u32,
    /// Big-endian values.
    raw: Vec<u8>,
}

fn text_attr(name: &str, text: &[u8]) -> TAttr {
    TAttr {
        name: name.into(),
        ty: CHAR,
        raw: text.to_vec(),
    }
}

fn num_attr(name: &str, ty: u32, raw: Vec<u8>) -> TAttr {
    TAttr {
        name: name.into(),
        ty,
        raw,
    }
}

struct TVar {
    name: String,
    dims: Vec<u64>,
    ty: u32,
    attrs: Vec<TAttr>,
    /// Big-endian data; all records, one after another, for a record variable.
    data: Vec<u8>,
}

fn var(name: &str, dims: &[u64], ty: u32, data: Vec<u8>) -> TVar {
    TVar {
        name: name.into(),
        dims: dims.to_vec(),
        ty,
        attrs: Vec::new(),
        data,
    }
}

struct TFile {
    version: u8,
    /// `None` writes the streaming marker.
    numrecs: Option<u64>,
    dims: Vec<(String, u64)>,
    attrs: Vec<TAttr>,
    vars: Vec<TVar>,
}

impl TFile {
    fn new(version: u8, numrecs: u64, dims: &[(&str, u64)]) -> TFile {
        TFile {
            version,
            numrecs: Some(numrecs),
            dims: dims.iter().map(|(n, l)| (n.to_string(), *l)).collect(),
            attrs: Vec::new(),
            vars: Vec::new(),
        }
    }

    fn count(&self, out: &mut Vec<u8>, n: u64) {
        if self.version == 5 {
            out.extend_from_slice(&n.to_be_bytes());
        } else {
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }

    fn name(&self, out: &mut Vec<u8>, name: &[u8]) {
        self.count(out, name.len() as u64);
        out.extend_from_slice(name);
        pad(out);
    }

    fn attrs(&self, out: &mut Vec<u8>, attrs: &[TAttr]) {
        out.extend_from_slice(&(if attrs.is_empty() { 0u32 } else { 0x0C }).to_be_bytes());
        self.count(out, attrs.len() as u64);
        for a in attrs {
            self.name(out, a.name.as_bytes());
            out.extend_from_slice(&a.ty.to_be_bytes());
            self.count(out, (a.raw.len() / type_size(a.ty)) as u64);
            out.extend_from_slice(&a.raw);
            pad(out);
        }
    }

    fn dim_len(&self, id: u64) -> u64 {
        self.dims.get(id as usize).map_or(1, |d| d.1)
    }

    fn is_record(&self, v: &TVar) -> bool {
        v.dims.first().is_some_and(|d| self.dim_len(*d) == 0)
    }

    /// Bytes of one record (record variables) or of the whole variable.
    fn var_bytes(&self, v: &TVar) -> u64 {
        v.dims
            .iter()
            .map(|d| self.dim_len(*d))
            .filter(|n| *n != 0)
            .fold(type_size(v.ty) as u64, u64::wrapping_mul)
    }

    fn header(&self, begins: &[u64]) -> Vec<u8> {
        let mut out = vec![b'C', b'D', b'F', self.version];
        match self.numrecs {
            Some(n) => self.count(&mut out, n),
            None => self.count(
                &mut out,
                if self.version == 5 {
                    u64::MAX
                } else {
                    u32::MAX as u64
                },
            ),
        }
        out.extend_from_slice(&(if self.dims.is_empty() { 0u32 } else { 0x0A }).to_be_bytes());
        self.count(&mut out, self.dims.len() as u64);
        for (name, len) in &self.dims {
            self.name(&mut out, name.as_bytes());
            self.count(&mut out, *len);
        }
        self.attrs(&mut out, &self.attrs);
        out.extend_from_slice(&(if self.vars.is_empty() { 0u32 } else { 0x0B }).to_be_bytes());
        self.count(&mut out, self.vars.len() as u64);
        for (v, begin) in self.vars.iter().zip(begins) {
            self.name(&mut out, v.name.as_bytes());
            self.count(&mut out, v.dims.len() as u64);
            for d in &v.dims {
                self.count(&mut out, *d);
            }
            self.attrs(&mut out, &v.attrs);
            out.extend_from_slice(&v.ty.to_be_bytes());
            self.count(&mut out, self.var_bytes(v).next_multiple_of(4));
            if self.version == 1 {
                out.extend_from_slice(&(*begin as u32).to_be_bytes());
            } else {
                out.extend_from_slice(&begin.to_be_bytes());
            }
        }
        out
    }

    fn recsize(&self) -> u64 {
        let rec: Vec<&TVar> = self.vars.iter().filter(|v| self.is_record(v)).collect();
        match rec.as_slice() {
            [only] => self.var_bytes(only),
            many => many
                .iter()
                .map(|v| self.var_bytes(v).next_multiple_of(4))
                .sum(),
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let header_len = self.header(&vec![0; self.vars.len()]).len() as u64;
        let mut begins = vec![0u64; self.vars.len()];
        let mut at = header_len;
        for (i, v) in self.vars.iter().enumerate() {
            if !self.is_record(v) {
                begins[i] = at;
                at += self.var_bytes(v).next_multiple_of(4);
            }
        }
        for (i, v) in self.vars.iter().enumerate() {
            if self.is_record(v) {
                begins[i] = at;
                at += self.var_bytes(v).next_multiple_of(4);
            }
        }
        let mut out = self.header(&begins);
        let recsize = self.recsize();
        for (v, begin) in self.vars.iter().zip(&begins) {
            let size = self.var_bytes(v) as usize;
            let chunks: Vec<&[u8]> = if self.is_record(v) {
                v.data.chunks(size.max(1)).collect()
            } else {
                vec![&v.data[..]]
            };
            for (r, chunk) in chunks.iter().enumerate() {
                let at = (begin + r as u64 * recsize) as usize;
                if out.len() < at + chunk.len() {
                    out.resize(at + chunk.len(), 0);
                }
                out[at..at + chunk.len()].copy_from_slice(chunk);
            }
        }
        out.resize(out.len().next_multiple_of(4), 0);
        out
    }
}

fn pad(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(4), 0);
}

fn be_i16(values: impl IntoIterator<Item = i16>) -> Vec<u8> {
    values.into_iter().flat_map(i16::to_be_bytes).collect()
}

fn be_f64(values: impl IntoIterator<Item = f64>) -> Vec<u8> {
    values.into_iter().flat_map(f64::to_be_bytes).collect()
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn open_var(path: &Path, name: &str, block: u64) -> Result<Netcdf3Source> {
    Netcdf3Source::open_with_block(&address(path, name), block)
}

/// Reads the whole array chunk by chunk (through `read_chunk`).
fn read_by_chunks(source: &Netcdf3Source) -> Chunk {
    let meta = source.meta();
    let grid = meta.grid().unwrap();
    let mut out = Chunk::filled(meta.dtype, &meta.shape, &meta.fill_value);
    let whole = Region::whole(&meta.shape);
    for index in grid.indices() {
        let chunk = source.read_chunk(&index).unwrap();
        chunk.copy_overlap_into(&grid.chunk_region(&index), &mut out, &whole);
    }
    out
}

/// A file with two fixed and three record variables (one of a byte per record, one of
/// text) over `records` records.
fn mixed(version: u8, records: u64) -> TFile {
    let mut f = TFile::new(version, records, &[("t", 0), ("x", 3), ("y", 5)]);
    let n = records as i64;
    f.vars.push(var(
        "a",
        &[1, 2],
        SHORT,
        be_i16((0..15).map(|i| i * 7 - 50)),
    ));
    f.vars.push(var(
        "r_byte",
        &[0],
        BYTE,
        (0..n).map(|i| (i * 3) as u8).collect(),
    ));
    f.vars.push(var(
        "r_text",
        &[0, 1],
        CHAR,
        vec![b'z'; 3 * records as usize],
    ));
    f.vars.push(var(
        "r_f8",
        &[0, 2],
        DOUBLE,
        be_f64((0..n * 5).map(|i| i as f64 * 0.5)),
    ));
    f.vars
        .push(var("s", &[], INT, 42i32.to_be_bytes().to_vec()));
    f
}

fn native_i16(chunk: &Chunk) -> Vec<i16> {
    chunk.as_slice::<i16>().unwrap().to_vec()
}

// ----- reading -------------------------------------------------------------------------

#[test]
fn reads_fixed_and_record_variables_in_every_version_and_block_size() {
    let dir = tempfile::tempdir().unwrap();
    for version in [1u8, 2, 5] {
        let path = write(&dir, &format!("v{version}.nc"), &mixed(version, 7).bytes());
        for block in [1u64, 16, 100, 1 << 20] {
            let a = open_var(&path, "a", block).unwrap();
            assert_eq!(a.meta().shape, vec![3, 5]);
            if block >= 10 {
                assert_eq!(a.read_cost(), 0, "whole rows are one run");
            }
            let want: Vec<i16> = (0..15).map(|i| i * 7 - 50).collect();
            assert_eq!(native_i16(&read_by_chunks(&a)), want);
            let r = open_var(&path, "r_byte", block).unwrap();
            assert_eq!(r.meta().shape, vec![7]);
            assert_eq!(r.meta().layout, "record variable (7 records)");
            let got = read_by_chunks(&r);
            let want: Vec<i8> = (0..7).map(|i| (i * 3) as i8).collect();
            assert_eq!(got.as_slice::<i8>().unwrap(), want.as_slice());
            let f = open_var(&path, "r_f8", block).unwrap();
            let want: Vec<f64> = (0..35).map(|i| i as f64 * 0.5).collect();
            assert_eq!(
                read_by_chunks(&f).as_slice::<f64>().unwrap(),
                want.as_slice()
            );
            // An inner box of records: partial runs inside each record.
            let region = Region {
                start: vec![2, 1],
                shape: vec![4, 3],
            };
            let got = f.read_region(&region).unwrap();
            let want: Vec<f64> = (2..6)
                .flat_map(|r| (1..4).map(move |c| (r * 5 + c) as f64 * 0.5))
                .collect();
            assert_eq!(got.as_slice::<f64>().unwrap(), want.as_slice());
            let s = open_var(&path, "s", block).unwrap();
            assert_eq!(s.meta().shape, Vec::<u64>::new());
            assert_eq!(read_by_chunks(&s).as_slice::<i32>().unwrap(), &[42]);
        }
    }
}

#[test]
fn exactly_one_record_variable_is_not_padded() {
    let dir = tempfile::tempdir().unwrap();
    for version in [1u8, 2, 5] {
        let mut f = TFile::new(version, 9, &[("t", 0), ("x", 3)]);
        f.vars.push(var("only", &[0, 1], SHORT, be_i16(0..27)));
        f.vars.push(var("fixed", &[1], BYTE, vec![1, 2, 3]));
        assert_eq!(f.recsize(), 6);
        let path = write(&dir, &format!("one{version}.nc"), &f.bytes());
        for block in [6u64, 8, 1 << 20] {
            let only = open_var(&path, "only", block).unwrap();
            assert_eq!(
                native_i16(&read_by_chunks(&only)),
                (0..27).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn streaming_files_count_their_records_from_the_length() {
    let dir = tempfile::tempdir().unwrap();
    for version in [1u8, 2, 5] {
        let mut f = mixed(version, 6);
        f.numrecs = None;
        let path = write(&dir, &format!("stream{version}.nc"), &f.bytes());
        let r = open_var(&path, "r_f8", 1 << 20).unwrap();
        assert_eq!(r.meta().shape, vec![6, 5]);
        let groups = groups(&path).unwrap();
        let t = &groups[0].dimensions[0];
        assert_eq!((t.name.as_str(), t.len, t.unlimited), ("t", 6, true));
    }
}

#[test]
fn zero_records_read_as_empty_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "zero.nc", &mixed(2, 0).bytes());
    let r = open_var(&path, "r_f8", 1 << 20).unwrap();
    assert_eq!(r.meta().shape, vec![0, 5]);
    assert_eq!(r.meta().stored_bytes, Some(0));
    assert_eq!(read_by_chunks(&r).len(), 0);
}

#[test]
fn runs_far_apart_are_read_one_by_one_and_close_ones_together() {
    let dir = tempfile::tempdir().unwrap();
    // 3000 records of a 2-byte variable beside one of 2 KiB (gaps past GAP_BYTES) and
    // one of 8 bytes (gaps that are gathered, in spans of at most SPAN_BYTES).
    for big in [2048u64, 8] {
        let mut f = TFile::new(1, 3000, &[("t", 0), ("b", big)]);
        f.vars.push(var(
            "small",
            &[0],
            SHORT,
            be_i16((0..3000).map(|i| i as i16)),
        ));
        f.vars
            .push(var("big", &[0, 1], BYTE, vec![7; 3000 * big as usize]));
        let path = write(&dir, &format!("gaps{big}.nc"), &f.bytes());
        let small = open_var(&path, "small", 1 << 20).unwrap();
        let cost = small.read_cost();
        assert!(cost > 0 && cost <= SPAN_BYTES, "{cost}");
        let want: Vec<i16> = (0..3000).collect();
        assert_eq!(native_i16(&read_by_chunks(&small)), want);
        let region = Region {
            start: vec![1234],
            shape: vec![1000],
        };
        assert_eq!(
            native_i16(&small.read_region(&region).unwrap()),
            want[1234..2234]
        );
    }
}

// ----- metadata ------------------------------------------------------------------------

#[test]
fn metadata_has_typed_attributes_dimension_names_and_fill_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = TFile::new(5, 2, &[("t", 0), ("x", 2)]);
    f.attrs.push(text_attr("title", b"hello\0\0"));
    f.attrs
        .push(num_attr("ints", INT, vec![0, 0, 0, 1, 255, 255, 255, 254]));
    let mut v = var("v", &[0, 1], FLOAT, vec![0; 16]);
    v.attrs.push(num_attr(
        "scale_factor",
        FLOAT,
        0.1f32.to_be_bytes().to_vec(),
    ));
    v.attrs.push(num_attr(
        "_FillValue",
        FLOAT,
        (-1.5f32).to_be_bytes().to_vec(),
    ));
    v.attrs.push(num_attr("empty", DOUBLE, Vec::new()));
    v.attrs
        .push(num_attr("big", INT64, (-3i64).to_be_bytes().to_vec()));
    f.vars.push(v);
    let mut w = var("w", &[1], UBYTE, vec![1, 2]);
    // A _FillValue of another type is an attribute, not the fill value.
    w.attrs.push(num_attr("_FillValue", SHORT, be_i16([9])));
    f.vars.push(w);
    let path = write(&dir, "meta.nc", &f.bytes());

    let v = open_var(&path, "v", 1 << 20).unwrap();
    let meta = v.meta();
    assert_eq!(meta.dtype, DType::F32);
    assert_eq!(meta.fill_value, (-1.5f32).to_ne_bytes().to_vec());
    assert_eq!(
        meta.dimension_names,
        Some(vec![Some("t".to_string()), Some("x".to_string())])
    );
    let a = &meta.attributes;
    assert_eq!(
        a.get("scale_factor"),
        Some(&Attribute::typed(
            json!(0.1),
            AttrElement::Number(DType::F32),
            AttrShape::Array(vec![1])
        ))
    );
    assert_eq!(a["empty"], json!([]));
    assert_eq!(a["big"], json!(-3));
    assert_eq!(a.get("big").unwrap().stored_dtype(), Some(DType::I64));

    let w = open_var(&path, "w", 1 << 20).unwrap();
    assert_eq!(w.meta().fill_value, vec![255]);
    assert_eq!(w.meta().attributes["_FillValue"], json!(9));

    let root = &groups(&path).unwrap()[0];
    assert_eq!(root.name, "/");
    assert_eq!(
        root.attributes.get("title"),
        Some(&Attribute::typed(
            json!("hello"),
            AttrElement::Text,
            AttrShape::Scalar
        ))
    );
    assert_eq!(root.attributes["ints"], json!([1, -2]));
    assert_eq!(
        root.dimensions,
        vec![
            Dimension {
                name: "t".into(),
                len: 2,
                unlimited: true
            },
            Dimension {
                name: "x".into(),
                len: 2,
                unlimited: false
            }
        ]
    );
}

#[test]
fn default_fill_values_are_netcdfs() {
    let fills: [(DType, Vec<u8>); 10] = [
        (DType::I8, (-127i8).to_be_bytes().to_vec()),
        (DType::I16, (-32767i16).to_be_bytes().to_vec()),
        (DType::I32, (-2147483647i32).to_be_bytes().to_vec()),
        (
            DType::F32,
            9.969_209_968_386_869e36_f64.to_be_bytes().to_vec(),
        ),
        (
            DType::F64,
            9.969_209_968_386_869e36_f64.to_be_bytes().to_vec(),
        ),
        (DType::U8, vec![255]),
        (DType::U16, vec![255; 2]),
        (DType::U32, vec![255; 4]),
        (DType::I64, (-9223372036854775806i64).to_be_bytes().to_vec()),
        (DType::U64, 18446744073709551614u64.to_be_bytes().to_vec()),
    ];
    for (dtype, want) in fills {
        let want = match dtype {
            DType::F32 => (9.969_209_968_386_869e36_f64 as f32).to_be_bytes().to_vec(),
            _ => want,
        };
        assert_eq!(default_fill(dtype), want, "{dtype}");
    }
}

#[test]
fn attributes_over_the_cap_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = TFile::new(1, 0, &[("x", 1)]);
    f.attrs.push(text_attr(
        "huge",
        &vec![b'a'; MAX_ATTRIBUTE_BYTES as usize + 1],
    ));
    f.attrs.push(text_attr("after", b"kept"));
    f.vars.push(var("v", &[0], BYTE, vec![5]));
    let path = write(&dir, "huge.nc", &f.bytes());
    let root = &groups(&path).unwrap()[0];
    assert!(!root.attributes.contains_key("huge"));
    assert_eq!(root.attributes["after"], json!("kept"));
    let v = open_var(&path, "v", 1 << 20).unwrap();
    assert_eq!(read_by_chunks(&v).as_slice::<i8>().unwrap(), &[5]);
}

#[test]
fn char_variables_are_listed_with_the_reason_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "text.nc", &mixed(1, 2).bytes());
    let entries = list(&path).unwrap();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["/a", "/r_byte", "/r_text", "/r_f8", "/s"]);
    let reason = entries[2].meta.as_ref().unwrap_err();
    assert!(
        reason.contains("char variables are text, not numbers"),
        "{reason}"
    );
    assert!(reason.contains("text.nc:/r_text"), "{reason}");
    let error = open_var(&path, "r_text", 1 << 20).err().unwrap();
    assert!(matches!(error, Error::UnsupportedDtype { .. }), "{error}");
    let missing = open_var(&path, "nope", 1 << 20).err().unwrap().to_string();
    assert!(
        missing.contains("text.nc:/nope: no such variable (variables: a, r_byte"),
        "{missing}"
    );
}

#[test]
fn addresses_sniff_netcdf3_whatever_the_extension_and_writes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "data.bin", &mixed(5, 1).bytes());
    let text = format!("{}:/r_f8", path.display());
    let parsed = Address::parse(&text).unwrap();
    assert_eq!(
        (parsed.format, parsed.array.as_str()),
        (Format::Netcdf3, "/r_f8")
    );
    assert_eq!(parsed.display(), text);
    // A bare file names the whole file (whole-file copies), not one variable.
    assert!(
        Address::parse(&path.display().to_string())
            .unwrap()
            .require_array()
            .is_err(),
        "needs a variable"
    );
    let source = crate::store::open(&parsed).unwrap();
    let like = source.meta().clone();
    let options = crate::store::WriteOptions::new(&like.chunks);
    let refused = crate::store::create(&parsed, &like, &options, &[])
        .err()
        .unwrap()
        .to_string();
    assert!(
        refused.contains("tessera writes netCDF-4 (HDF5), not netCDF-3"),
        "{refused}"
    );
}

// ----- hostile headers -----------------------------------------------------------------

/// Lists the file and opens and reads every numeric variable; returns the first error's
/// text, checking that every error is one line naming the file.
fn try_everything(path: &Path) -> Option<String> {
    let name = path.display().to_string();
    let check = |e: &Error| {
        let text = e.to_string();
        assert!(
            text.contains(&name),
            "the error does not name the file: {text}"
        );
        assert!(!text.contains('\n'), "several lines: {text}");
        text
    };
    let entries = match list(path) {
        Ok(entries) => entries,
        Err(e) => return Some(check(&e)),
    };
    let _ = groups(path).map_err(|e| check(&e));
    let mut first = None;
    for entry in entries {
        match open_var(path, &entry.name, 64) {
            Ok(source) => {
                let whole = Region::whole(&source.meta().shape.clone());
                if let Err(e) = source.read_region(&whole) {
                    first.get_or_insert(check(&e));
                }
            }
            // Text variables are refused in every file, whole or not.
            Err(Error::UnsupportedDtype { .. }) => {}
            Err(e) => {
                first.get_or_insert(check(&e));
            }
        }
    }
    first
}

fn refused(bytes: &[u8], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "bad.nc", bytes);
    let text = try_everything(&path).unwrap_or_else(|| panic!("accepted, wanted '{needle}'"));
    assert!(text.contains(needle), "'{needle}' not in: {text}");
}

#[test]
fn every_truncation_of_a_valid_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    for version in [1u8, 2, 5] {
        let bytes = mixed(version, 3).bytes();
        let path = dir.path().join("cut.nc");
        for len in 0..bytes.len() {
            std::fs::write(&path, &bytes[..len]).unwrap();
            assert!(
                try_everything(&path).is_some(),
                "{len} bytes of {} accepted",
                bytes.len()
            );
        }
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(try_everything(&path), None);
    }
}

#[test]
fn counts_beyond_the_file_are_refused_before_allocating() {
    // 2^40 dimensions in a CDF-5 header of a few bytes.
    let mut bytes = b"CDF\x05".to_vec();
    bytes.extend_from_slice(&0u64.to_be_bytes());
    bytes.extend_from_slice(&0x0Au32.to_be_bytes());
    bytes.extend_from_slice(&(1u64 << 40).to_be_bytes());
    bytes.resize(64, 0);
    refused(&bytes, "claims 1099511627776 dimensions");
    // A negative (top bit set) count in CDF-5.
    let mut negative = bytes.clone();
    negative[16..24].copy_from_slice(&u64::MAX.to_be_bytes());
    refused(&negative, "is negative");
    // A name longer than accepted.
    let mut f = TFile::new(1, 0, &[("x", 1)]);
    f.dims[0].0 = "n".repeat(2000);
    refused(&f.bytes(), "longer than the 1024 accepted");
    // An attribute with more values than the file has bytes.
    let mut f = TFile::new(2, 0, &[("x", 1)]);
    f.attrs.push(num_attr("a", DOUBLE, vec![0; 8]));
    let mut bytes = f.bytes();
    let at = bytes.windows(4).position(|w| w == b"a\0\0\0").unwrap() + 8;
    bytes[at..at + 4].copy_from_slice(&0x1000_0000u32.to_be_bytes());
    refused(&bytes, "claims 268435456 values");
}

#[test]
fn malformed_headers_are_refused_with_the_reason() {
    let good = mixed(1, 2);
    let mut bytes = good.bytes();
    bytes[3] = 3;
    refused(&bytes, "unknown netCDF-3 version byte 3");

    let mut f = mixed(1, 2);
    f.dims[1].1 = 0;
    refused(&f.bytes(), "only the one record dimension may");

    let mut f = mixed(1, 2);
    f.vars[0].dims = vec![1, 0];
    refused(&f.bytes(), "after its first dimension");

    let mut f = mixed(1, 2);
    f.vars[0].dims = vec![1, 9];
    refused(
        &f.bytes(),
        "names dimension id 9, but the file has 3 dimensions",
    );

    let mut f = mixed(1, 2);
    f.vars[0].ty = 12;
    refused(&f.bytes(), "unknown type code 12");

    let mut f = TFile::new(1, 0, &[("x", 1)]);
    f.vars.push(var("v", &[0], UBYTE, vec![1]));
    refused(&f.bytes(), "only the 64-bit data format (CDF-5) has");

    let mut f = mixed(2, 2);
    f.dims[1].0 = "x\u{e9}".into();
    let mut bytes = f.bytes();
    let at = bytes
        .windows(2)
        .position(|w| w == "\u{e9}".as_bytes())
        .unwrap();
    bytes[at] = 0xff;
    refused(&bytes, "is not valid UTF-8");

    let mut f = mixed(1, 2);
    f.dims[1].0 = String::new();
    refused(&f.bytes(), "has an empty name");

    let mut bytes = mixed(1, 2).bytes();
    bytes[8..12].copy_from_slice(&0x0Bu32.to_be_bytes());
    refused(&bytes, "expected the dimension list");
}

#[test]
fn data_past_the_end_of_the_file_is_refused_for_that_variable() {
    let dir = tempfile::tempdir().unwrap();
    // Claim more records than the file holds: the record variables are refused, the
    // fixed ones still read.
    let mut bytes = mixed(2, 3).bytes();
    bytes[4..8].copy_from_slice(&1000u32.to_be_bytes());
    let path = write(&dir, "short.nc", &bytes);
    let entries = list(&path).unwrap();
    let reason = entries[3].meta.as_ref().unwrap_err();
    assert!(
        reason.contains("short.nc:/r_f8: the data lies past the end of the file"),
        "{reason}"
    );
    assert!(entries[0].meta.is_ok());
    assert!(open_var(&path, "a", 1 << 20).is_ok());
    // A huge fixed variable whose size overflows.
    let mut small = TFile::new(1, 0, &[("x", u32::MAX as u64), ("y", u32::MAX as u64)]);
    small.vars.push(var("v", &[0, 1, 1], DOUBLE, Vec::new()));
    let path = write(&dir, "huge.nc", &small.header(&[8]));
    let text = open_var(&path, "v", 1 << 20).err().unwrap().to_string();
    assert!(text.contains("huge.nc:/v"), "{text}");
}

#[test]
fn oversized_headers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = TFile::new(1, 0, &[("x", 1)]);
    let each = MAX_ATTRIBUTE_BYTES as usize;
    for i in 0..(MAX_HEADER_BYTES as usize / each + 1) {
        f.attrs.push(text_attr(&format!("a{i}"), &vec![b'a'; each]));
    }
    let path = write(&dir, "big.nc", &f.bytes());
    let text = list(&path).err().unwrap().to_string();
    assert!(
        text.contains("tessera refuses headers this large"),
        "{text}"
    );
}
