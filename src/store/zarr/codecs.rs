//! numcodecs codecs that zarrs 0.23 lacks, registered with zarrs' runtime plugin
//! registry so that Zarr v2 filters/compressors and Zarr v3 `numcodecs.*` codecs with
//! these names decode (and encode) like any built-in codec:
//!
//! - `delta` (v2 filter id) / `numcodecs.delta` (v3): element-wise differences along the
//!   flattened chunk; decoding is a running sum (wrapping for integers).
//! - `lz4` (v2 compressor id) / `numcodecs.lz4` (v3): a 4-byte little-endian decoded
//!   length followed by one LZ4 block.
//!
//! - `bitround` as a Zarr v2 filter id: zarrs has the codec for v3 only, so the v2 id is
//!   mapped onto it (decoding is the identity; encoding rounds the mantissa).
//!
//! All work on decoded values in native byte order, as every zarrs codec does.

use std::borrow::Cow;
use std::num::NonZeroU64;
use std::sync::{Arc, Once};

use serde_json::{Map, Value};
use zarrs::array::codec::BitroundCodec;
use zarrs::array::codec::api::{
    CodecRuntimePluginV2, CodecRuntimePluginV3, PartialDecoderCapability, PartialEncoderCapability,
    register_codec_v2, register_codec_v3,
};
use zarrs::array::{
    ArrayBytes, ArrayBytesRaw, ArrayCodecTraits, ArrayToArrayCodecTraits, BytesRepresentation,
    BytesToBytesCodecTraits, Codec, CodecError, CodecMetadataOptions, CodecOptions, CodecTraits,
    DataType, FillValue, RecommendedConcurrency,
};
use zarrs::metadata::Configuration;
use zarrs::plugin::{ExtensionName, PluginCreateError, ZarrVersion};

use crate::dtype::{DType, Endian};

/// Registers the codecs of this module with zarrs, once per process.
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        register_codec_v2(CodecRuntimePluginV2::new(
            |name| name == "delta",
            |meta| delta_from(meta.configuration()),
        ));
        register_codec_v3(CodecRuntimePluginV3::new(
            |name| name == "numcodecs.delta",
            |meta| delta_from(&meta.configuration().cloned().unwrap_or_default()),
        ));
        register_codec_v2(CodecRuntimePluginV2::new(
            |name| name == "lz4",
            |meta| lz4_from(meta.configuration()),
        ));
        register_codec_v2(CodecRuntimePluginV2::new(
            |name| name == "bitround",
            |meta| bitround_from(meta.configuration()),
        ));
        register_codec_v3(CodecRuntimePluginV3::new(
            |name| name == "numcodecs.lz4",
            |meta| lz4_from(&meta.configuration().cloned().unwrap_or_default()),
        ));
    });
}

fn delta_from(config: &Map<String, Value>) -> Result<Codec, PluginCreateError> {
    Ok(Codec::ArrayToArray(Arc::new(DeltaCodec::from_config(
        config,
    )?)))
}

fn lz4_from(config: &Map<String, Value>) -> Result<Codec, PluginCreateError> {
    let acceleration = config
        .get("acceleration")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    Ok(Codec::BytesToBytes(Arc::new(Lz4Codec { acceleration })))
}

fn bitround_from(config: &Map<String, Value>) -> Result<Codec, PluginCreateError> {
    let keepbits = config
        .get("keepbits")
        .and_then(Value::as_u64)
        .and_then(|k| u32::try_from(k).ok())
        .ok_or_else(|| PluginCreateError::Other("bitround: missing keepbits".into()))?;
    Ok(Codec::ArrayToArray(Arc::new(BitroundCodec::new(keepbits))))
}

/// Parses a numcodecs dtype: a numpy type string (`<i2`) or a name (`int16`).
fn parse_dtype(text: &str) -> Option<DType> {
    DType::from_numpy_str(text)
        .map(|(d, _)| d)
        .or_else(|| DType::parse(text).filter(|_| text.len() > 3 || text == "bool"))
}

/// numcodecs `Delta`.
#[derive(Clone, Debug)]
pub struct DeltaCodec {
    dtype: DType,
}

impl DeltaCodec {
    fn from_config(config: &Map<String, Value>) -> Result<Self, PluginCreateError> {
        let text = |key: &str| config.get(key).and_then(Value::as_str);
        let dtype = text("dtype")
            .and_then(parse_dtype)
            .filter(|d| *d != DType::Bool)
            .ok_or_else(|| {
                PluginCreateError::Other("delta: missing or non-numeric dtype".into())
            })?;
        if let Some(astype) = text("astype")
            && parse_dtype(astype) != Some(dtype)
        {
            return Err(PluginCreateError::Other(format!(
                "delta with astype {astype} different from dtype {} is not supported",
                dtype.name()
            )));
        }
        Ok(DeltaCodec { dtype })
    }

    fn check(&self, data_type: &DataType) -> Result<(), CodecError> {
        let name = data_type.name_v3().unwrap_or_default();
        if name == self.dtype.name() {
            Ok(())
        } else {
            Err(CodecError::Other(format!(
                "delta codec for {} applied to an array of {name}",
                self.dtype.name()
            )))
        }
    }
}

impl ExtensionName for DeltaCodec {
    fn name(&self, version: ZarrVersion) -> Option<Cow<'static, str>> {
        Some(Cow::Borrowed(match version {
            ZarrVersion::V2 => "delta",
            _ => "numcodecs.delta",
        }))
    }
}

impl CodecTraits for DeltaCodec {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn configuration(
        &self,
        version: ZarrVersion,
        _options: &CodecMetadataOptions,
    ) -> Option<Configuration> {
        let mut config = Map::new();
        let dtype = match version {
            ZarrVersion::V2 => self.dtype.numpy_str(Endian::Little),
            _ => self.dtype.name().to_string(),
        };
        config.insert("dtype".into(), Value::String(dtype.clone()));
        if version == ZarrVersion::V2 {
            config.insert("astype".into(), Value::String(dtype));
        }
        Some(config.into())
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

impl ArrayCodecTraits for DeltaCodec {
    fn recommended_concurrency(
        &self,
        _shape: &[NonZeroU64],
        _data_type: &DataType,
    ) -> Result<RecommendedConcurrency, CodecError> {
        Ok(RecommendedConcurrency::new_maximum(1))
    }
}

impl ArrayToArrayCodecTraits for DeltaCodec {
    fn into_dyn(self: Arc<Self>) -> Arc<dyn ArrayToArrayCodecTraits> {
        self as Arc<dyn ArrayToArrayCodecTraits>
    }

    fn encoded_data_type(&self, decoded_data_type: &DataType) -> Result<DataType, CodecError> {
        self.check(decoded_data_type)?;
        Ok(decoded_data_type.clone())
    }

    fn encode<'a>(
        &self,
        bytes: ArrayBytes<'a>,
        _shape: &[NonZeroU64],
        data_type: &DataType,
        _fill_value: &FillValue,
        _options: &CodecOptions,
    ) -> Result<ArrayBytes<'a>, CodecError> {
        self.check(data_type)?;
        let mut bytes = bytes.into_fixed()?.into_owned();
        delta_in_place(&mut bytes, self.dtype, false);
        Ok(ArrayBytes::new_flen(bytes))
    }

    fn decode<'a>(
        &self,
        bytes: ArrayBytes<'a>,
        _shape: &[NonZeroU64],
        data_type: &DataType,
        _fill_value: &FillValue,
        _options: &CodecOptions,
    ) -> Result<ArrayBytes<'a>, CodecError> {
        self.check(data_type)?;
        let mut bytes = bytes.into_fixed()?.into_owned();
        delta_in_place(&mut bytes, self.dtype, true);
        Ok(ArrayBytes::new_flen(bytes))
    }
}

/// Differences (`undo == false`) or running sums (`undo == true`) of native elements.
fn delta_in_place(bytes: &mut [u8], dtype: DType, undo: bool) {
    macro_rules! run {
        ($t:ty, $sub:expr, $add:expr) => {{
            let mut values: Vec<$t> = bytemuck::pod_collect_to_vec(bytes);
            if undo {
                for i in 1..values.len() {
                    values[i] = $add(values[i], values[i - 1]);
                }
            } else {
                for i in (1..values.len()).rev() {
                    values[i] = $sub(values[i], values[i - 1]);
                }
            }
            bytes.copy_from_slice(bytemuck::cast_slice(&values));
        }};
    }
    macro_rules! int {
        ($t:ty) => {
            run!($t, <$t>::wrapping_sub, <$t>::wrapping_add)
        };
    }
    macro_rules! float {
        ($t:ty) => {
            run!($t, |a: $t, b: $t| a - b, |a: $t, b: $t| a + b)
        };
    }
    match dtype {
        DType::Bool => {}
        DType::I8 => int!(i8),
        DType::I16 => int!(i16),
        DType::I32 => int!(i32),
        DType::I64 => int!(i64),
        DType::U8 => int!(u8),
        DType::U16 => int!(u16),
        DType::U32 => int!(u32),
        DType::U64 => int!(u64),
        DType::F16 => float!(half::f16),
        DType::F32 => float!(f32),
        DType::F64 => float!(f64),
    }
}

/// numcodecs `LZ4`: `<u32 LE decoded length><LZ4 block>`.
#[derive(Clone, Debug)]
pub struct Lz4Codec {
    acceleration: i64,
}

impl ExtensionName for Lz4Codec {
    fn name(&self, version: ZarrVersion) -> Option<Cow<'static, str>> {
        Some(Cow::Borrowed(match version {
            ZarrVersion::V2 => "lz4",
            _ => "numcodecs.lz4",
        }))
    }
}

impl CodecTraits for Lz4Codec {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn configuration(
        &self,
        _version: ZarrVersion,
        _options: &CodecMetadataOptions,
    ) -> Option<Configuration> {
        let mut config = Map::new();
        config.insert("acceleration".into(), Value::from(self.acceleration));
        Some(config.into())
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

impl BytesToBytesCodecTraits for Lz4Codec {
    fn into_dyn(self: Arc<Self>) -> Arc<dyn BytesToBytesCodecTraits> {
        self as Arc<dyn BytesToBytesCodecTraits>
    }

    fn recommended_concurrency(
        &self,
        _decoded_representation: &BytesRepresentation,
    ) -> Result<RecommendedConcurrency, CodecError> {
        Ok(RecommendedConcurrency::new_maximum(1))
    }

    fn encoded_representation(
        &self,
        decoded_representation: &BytesRepresentation,
    ) -> BytesRepresentation {
        decoded_representation
            .size()
            .map_or(BytesRepresentation::UnboundedSize, |size| {
                let bound = lz4_flex::block::get_maximum_output_size(size as usize) as u64;
                BytesRepresentation::BoundedSize(bound + 4)
            })
    }

    fn encode<'a>(
        &self,
        decoded_value: ArrayBytesRaw<'a>,
        _options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        let length = u32::try_from(decoded_value.len()).map_err(|_| {
            CodecError::Other("lz4: numcodecs LZ4 cannot hold 4 GiB or more".into())
        })?;
        let mut out = length.to_le_bytes().to_vec();
        out.extend_from_slice(&lz4_flex::block::compress(&decoded_value));
        Ok(Cow::Owned(out))
    }

    fn decode<'a>(
        &self,
        encoded_value: ArrayBytesRaw<'a>,
        decoded_representation: &BytesRepresentation,
        _options: &CodecOptions,
    ) -> Result<ArrayBytesRaw<'a>, CodecError> {
        let (header, block) = encoded_value
            .split_first_chunk::<4>()
            .ok_or_else(|| CodecError::Other("lz4: stream shorter than its header".into()))?;
        let length = u32::from_le_bytes(*header) as usize;
        if let Some(expected) = decoded_representation.size()
            && expected != length as u64
        {
            return Err(CodecError::Other(format!(
                "lz4: header says {length} bytes, the chunk holds {expected}"
            )));
        }
        let out = lz4_flex::block::decompress(block, length)
            .map_err(|e| CodecError::Other(format!("lz4: {e}")))?;
        Ok(Cow::Owned(out))
    }
}

#[cfg(test)]
mod tests;
