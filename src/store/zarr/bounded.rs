//! Decompression that stops at the chunk's size.
//!
//! zarrs 0.23's gzip, zlib and bz2 codecs inflate to the end of the stream
//! (`read_to_end`), its zstd codec allocates what the frame header claims, and its blosc
//! codec allocates what the blosc header claims: 1 MiB of hostile bytes can ask for
//! gigabytes. The decoded size of a chunk is known before decoding (the
//! `decoded_representation` each codec is given), so the codecs here wrap zarrs' own
//! (which still encode, describe and name themselves) and decode into at most that many
//! bytes; a stream that holds more is a corrupt chunk.
//!
//! They are registered in zarrs' runtime codec registry, which zarrs consults before
//! its built-in codecs, under the same names; sharding's inner chunks are decoded
//! through the same registry. zarrs builds a Zarr v2 `blosc` compressor without the
//! registry, so v2 metadata is handed to zarrs with the blosc id renamed to
//! [`V2_BLOSC_ID`] (see `meta.rs`), which is registered here.

use std::borrow::Cow;
use std::io::Read;
use std::sync::{Arc, Once};

use zarrs::array::codec::api::{
    CodecRuntimePluginV2, CodecRuntimePluginV3, CodecTraitsV2, CodecTraitsV3,
    PartialDecoderCapability, PartialEncoderCapability, register_codec_v2, register_codec_v3,
};
use zarrs::array::codec::{BloscCodec, Bz2Codec, GzipCodec, ZlibCodec, ZstdCodec, blosc_validate};
use zarrs::array::{
    ArrayBytesRaw, BytesRepresentation, BytesToBytesCodecTraits, Codec, CodecError,
    CodecMetadataOptions, CodecOptions, CodecTraits, RecommendedConcurrency,
};
use zarrs::metadata::Configuration;
use zarrs::metadata::v2::MetadataV2;
use zarrs::metadata::v3::MetadataV3;
use zarrs::plugin::{
    ExtensionAliasesV2, ExtensionAliasesV3, ExtensionName, PluginCreateError, ZarrVersion,
};

/// The id a Zarr v2 `blosc` compressor is given on its way into zarrs, so that the
/// bounded codec decodes it (its configuration is then the v3 one, with `typesize`).
pub(super) const V2_BLOSC_ID: &str = "tessera.blosc_v2";

/// Which decompressor a [`Bounded`] codec runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Gzip,
    Zlib,
    Zstd,
    Bz2,
    Blosc,
}

/// Registers the bounded codecs with zarrs, once per process.
pub(super) fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        register_codec_v3(CodecRuntimePluginV3::new(
            |name| v3_kind(name).is_some(),
            |meta| {
                let kind = v3_kind(meta.name()).ok_or_else(|| unsupported(meta.name()))?;
                wrap(kind, create_v3(kind, meta)?)
            },
        ));
        register_codec_v2(CodecRuntimePluginV2::new(
            |name| v2_kind(name).is_some(),
            |meta| {
                let kind = v2_kind(meta.id()).ok_or_else(|| unsupported(meta.id()))?;
                wrap(kind, create_v2(kind, meta)?)
            },
        ));
    });
}

fn unsupported(name: &str) -> PluginCreateError {
    PluginCreateError::Other(format!("no bounded codec for '{name}'"))
}

fn v3_kind(name: &str) -> Option<Kind> {
    if GzipCodec::matches_name_v3(name) {
        Some(Kind::Gzip)
    } else if ZlibCodec::matches_name_v3(name) {
        Some(Kind::Zlib)
    } else if ZstdCodec::matches_name_v3(name) {
        Some(Kind::Zstd)
    } else if Bz2Codec::matches_name_v3(name) {
        Some(Kind::Bz2)
    } else if BloscCodec::matches_name_v3(name) {
        Some(Kind::Blosc)
    } else {
        None
    }
}

fn v2_kind(name: &str) -> Option<Kind> {
    if name == V2_BLOSC_ID {
        Some(Kind::Blosc)
    } else if GzipCodec::matches_name_v2(name) {
        Some(Kind::Gzip)
    } else if ZlibCodec::matches_name_v2(name) {
        Some(Kind::Zlib)
    } else if ZstdCodec::matches_name_v2(name) {
        Some(Kind::Zstd)
    } else if Bz2Codec::matches_name_v2(name) {
        Some(Kind::Bz2)
    } else {
        None
    }
}

/// zarrs' own codec for `kind`, from v3 metadata.
fn create_v3(kind: Kind, meta: &MetadataV3) -> Result<Codec, PluginCreateError> {
    match kind {
        Kind::Gzip => <GzipCodec as CodecTraitsV3>::create(meta),
        Kind::Zlib => <ZlibCodec as CodecTraitsV3>::create(meta),
        Kind::Zstd => <ZstdCodec as CodecTraitsV3>::create(meta),
        Kind::Bz2 => <Bz2Codec as CodecTraitsV3>::create(meta),
        Kind::Blosc => <BloscCodec as CodecTraitsV3>::create(meta),
    }
}

/// zarrs' own codec for `kind`, from v2 metadata (blosc: the renamed v3 configuration).
fn create_v2(kind: Kind, meta: &MetadataV2) -> Result<Codec, PluginCreateError> {
    match kind {
        Kind::Gzip => <GzipCodec as CodecTraitsV2>::create(meta),
        Kind::Zlib => <ZlibCodec as CodecTraitsV2>::create(meta),
        Kind::Zstd => <ZstdCodec as CodecTraitsV2>::create(meta),
        Kind::Bz2 => <Bz2Codec as CodecTraitsV2>::create(meta),
        Kind::Blosc => <BloscCodec as CodecTraitsV2>::create(meta),
    }
}

fn wrap(kind: Kind, codec: Codec) -> Result<Codec, PluginCreateError> {
    match codec {
        Codec::BytesToBytes(inner) => Ok(Codec::BytesToBytes(Arc::new(Bounded { kind, inner }))),
        _ => Err(PluginCreateError::Other(format!(
            "{kind:?} is not a bytes-to-bytes codec"
        ))),
    }
}

/// A zarrs bytes-to-bytes codec whose decoding stops at the decoded size.
#[derive(Debug)]
pub(super) struct Bounded {
    kind: Kind,
    inner: Arc<dyn BytesToBytesCodecTraits>,
}

impl ExtensionName for Bounded {
    fn name(&self, version: ZarrVersion) -> Option<Cow<'static, str>> {
        self.inner.name(version)
    }
}

impl CodecTraits for Bounded {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn configuration(
        &self,
        version: ZarrVersion,
        options: &CodecMetadataOptions,
    ) -> Option<Configuration> {
        self.inner.configuration(version, options)
    }

    fn partial_decoder_capability(&self) -> PartialDecoderCapability {
        PartialDecoderCapability {
            partial_read: false,
            partial_decode: false,
        }
    }

    fn partial_encoder_capability(&self) -> PartialEncoderCapability {
        PartialEncoderCapability {
            partial_encode: false,
        }
    }
}

impl BytesToBytesCodecTraits for Bounded {
    fn into_dyn(self: Arc<Self>) -> Arc<dyn BytesToBytesCodecTraits> {
        self as Arc<dyn BytesToBytesCodecTraits>
    }

    fn recommended_concurrency(
        &self,
        decoded_representation: &BytesRepresentation,
    ) -> Result<RecommendedConcurrency, CodecError> {
        self.inner.recommended_concurrency(decoded_representation)
    }

    fn encoded_representation(
        &self,
        decoded_representation: &BytesRepresentation,
    ) -> BytesRepresentation {
        self.inner.encoded_representation(decoded_representation)
    }

    fn encode<'a>(
        &self,
        decoded_value: ArrayBytesRaw<'a>,
        options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        self.inner.encode(decoded_value, options)
    }

    fn decode<'a>(
        &self,
        encoded_value: ArrayBytesRaw<'a>,
        decoded_representation: &BytesRepresentation,
        options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        let Some(limit) = decoded_representation.size() else {
            // Variable-length data (which tessera refuses at open) has no bound.
            return self
                .inner
                .decode(encoded_value, decoded_representation, options);
        };
        let limit = usize::try_from(limit)
            .map_err(|_| CodecError::Other(format!("a decoded size of {limit} bytes")))?;
        let exact = matches!(decoded_representation, BytesRepresentation::FixedSize(_));
        let out = match self.kind {
            Kind::Gzip | Kind::Zlib => inflate(self.kind, &encoded_value, limit)?,
            Kind::Zstd => unzstd(&encoded_value, limit)?,
            Kind::Bz2 => bunzip2(&encoded_value, limit)?,
            Kind::Blosc => {
                check_blosc(&encoded_value, limit)?;
                return self
                    .inner
                    .decode(encoded_value, decoded_representation, options);
            }
        };
        if exact && out.len() != limit {
            return Err(CodecError::Other(format!(
                "{}: decompresses to {} bytes, expected {limit}",
                self.kind.label(),
                out.len()
            )));
        }
        Ok(Cow::Owned(out))
    }
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Gzip => "gzip",
            Kind::Zlib => "zlib",
            Kind::Zstd => "zstd",
            Kind::Bz2 => "bz2",
            Kind::Blosc => "blosc",
        }
    }
}

fn too_much(kind: Kind, limit: usize) -> CodecError {
    CodecError::Other(format!(
        "{}: decompresses to more than the {limit} bytes of the chunk",
        kind.label()
    ))
}

/// The compressor a codec runs when tessera can decode its output straight into a
/// chunk with [`decode_into`]: a bounded gzip, zlib or zstd codec.
pub(super) fn direct_kind(codec: &dyn BytesToBytesCodecTraits) -> Option<Kind> {
    let bounded = codec.as_any().downcast_ref::<Bounded>()?;
    matches!(bounded.kind, Kind::Gzip | Kind::Zlib | Kind::Zstd).then_some(bounded.kind)
}

/// Decodes a gzip, zlib or zstd stream straight into `out`, which it must fill exactly:
/// a stream that holds more or fewer bytes is a corrupt chunk, and nothing is written
/// past `out`.
pub(super) fn decode_into(kind: Kind, encoded: &[u8], out: &mut [u8]) -> Result<(), CodecError> {
    let limit = out.len();
    let written = match kind {
        Kind::Gzip | Kind::Zlib => inflate_into(kind, encoded, out)?,
        Kind::Zstd => unzstd_into(encoded, out)?,
        Kind::Bz2 | Kind::Blosc => {
            return Err(CodecError::Other(format!(
                "{} is not decoded straight into a chunk",
                kind.label()
            )));
        }
    };
    if written != limit {
        return Err(CodecError::Other(format!(
            "{}: decompresses to {written} bytes, expected {limit}",
            kind.label()
        )));
    }
    Ok(())
}

/// gzip or zlib into at most `limit` bytes (libdeflate, one pass, no growth).
fn inflate(kind: Kind, encoded: &[u8], limit: usize) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![0u8; limit];
    let n = inflate_into(kind, encoded, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// gzip or zlib into `out`; the bytes written.
fn inflate_into(kind: Kind, encoded: &[u8], out: &mut [u8]) -> Result<usize, CodecError> {
    let mut decompressor = libdeflater::Decompressor::new();
    let result = if kind == Kind::Gzip {
        decompressor.gzip_decompress(encoded, out)
    } else {
        decompressor.zlib_decompress(encoded, out)
    };
    result.map_err(|e| match e {
        libdeflater::DecompressionError::InsufficientSpace => too_much(kind, out.len()),
        libdeflater::DecompressionError::BadData => CodecError::Other(format!(
            "{}: not a valid {} stream",
            kind.label(),
            kind.label()
        )),
    })
}

/// zstd into at most `limit` bytes, whatever the frame header claims.
fn unzstd(encoded: &[u8], limit: usize) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(limit);
    let mut decompressor =
        zstd::bulk::Decompressor::new().map_err(|e| CodecError::Other(format!("zstd: {e}")))?;
    decompressor
        .decompress_to_buffer(encoded, &mut out)
        .map_err(|e| zstd_error(&e, limit))?;
    Ok(out)
}

/// zstd into `out`; the bytes written.
fn unzstd_into(encoded: &[u8], out: &mut [u8]) -> Result<usize, CodecError> {
    let mut decompressor =
        zstd::bulk::Decompressor::new().map_err(|e| CodecError::Other(format!("zstd: {e}")))?;
    let limit = out.len();
    decompressor
        .decompress_to_buffer(encoded, out)
        .map_err(|e| zstd_error(&e, limit))
}

fn zstd_error(e: &std::io::Error, limit: usize) -> CodecError {
    if e.to_string().contains("Destination buffer is too small") {
        too_much(Kind::Zstd, limit)
    } else {
        CodecError::Other(format!("zstd: {e}"))
    }
}

/// bz2 into at most `limit` bytes: the stream is read one byte past the limit at most.
fn bunzip2(encoded: &[u8], limit: usize) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(limit.saturating_add(1));
    bzip2::read::BzDecoder::new(encoded)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| CodecError::Other(format!("bz2: {e}")))?;
    if out.len() > limit {
        return Err(too_much(Kind::Bz2, limit));
    }
    Ok(out)
}

/// A blosc buffer must be valid and say it holds at most `limit` bytes before zarrs
/// allocates what it says.
fn check_blosc(encoded: &[u8], limit: usize) -> Result<(), CodecError> {
    const HEADER: usize = 16;
    let nbytes = (encoded.len() >= HEADER)
        .then(|| blosc_validate(encoded))
        .flatten()
        .ok_or_else(|| CodecError::Other("blosc: not a valid blosc buffer".into()))?;
    if nbytes > limit {
        return Err(CodecError::Other(format!(
            "blosc: the header says {nbytes} bytes, more than the {limit} bytes of the chunk"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
