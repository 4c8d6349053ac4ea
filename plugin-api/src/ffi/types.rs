//! FFI-safe mirrors of the plain types and the conversions both ways.

use crate::{Context, Features, PluginError, Record, Split, Values};
use abi_stable::std_types::{ROption, RString, RVec, Tuple2};
use abi_stable::StableAbi;
use std::path::PathBuf;
use tch::Device;

/// A user function's failure, as it crosses the boundary.
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiError {
    /// Whether the function panicked (as opposed to returning an error).
    pub panicked: bool,
    pub message: RString,
}

impl From<PluginError> for FfiError {
    fn from(err: PluginError) -> Self {
        Self { panicked: false, message: err.message().into() }
    }
}

/// Mirror of [`Context`].
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiContext {
    pub experiment_name: RString,
    pub seed: u64,
    pub data_source: ROption<RString>,
    pub settings_dir: RString,
    pub model_names: RVec<RString>,
    pub options: RVec<Tuple2<RString, RString>>,
}

impl From<&Context> for FfiContext {
    fn from(ctx: &Context) -> Self {
        Self {
            experiment_name: ctx.experiment_name.as_str().into(),
            seed: ctx.seed,
            data_source: ctx.data_source.as_ref().map(|path| path.to_string_lossy().into_owned().into()).into(),
            settings_dir: ctx.settings_dir.to_string_lossy().into_owned().into(),
            model_names: ctx.model_names.iter().map(|name| name.as_str().into()).collect(),
            options: ctx
                .options
                .iter()
                .map(|(key, value)| Tuple2(key.as_str().into(), value.as_str().into()))
                .collect(),
        }
    }
}

impl From<&FfiContext> for Context {
    fn from(ctx: &FfiContext) -> Self {
        Self {
            experiment_name: ctx.experiment_name.to_string(),
            seed: ctx.seed,
            data_source: ctx.data_source.as_ref().map(|path| PathBuf::from(path.as_str())).into_option(),
            settings_dir: PathBuf::from(ctx.settings_dir.as_str()),
            model_names: ctx.model_names.iter().map(RString::to_string).collect(),
            options: ctx.options.iter().map(|pair| (pair.0.to_string(), pair.1.to_string())).collect(),
        }
    }
}

/// Mirror of [`Split`].
#[repr(u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FfiSplit {
    Train,
    Validation,
    Test,
}

/// Mirror of [`Record`].
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiRecord {
    pub id: RString,
    pub label: RString,
    pub split: ROption<FfiSplit>,
    pub fields: RVec<Tuple2<RString, RString>>,
}

impl From<Record> for FfiRecord {
    fn from(record: Record) -> Self {
        let split = record.split.map(|split| match split {
            Split::Train => FfiSplit::Train,
            Split::Validation => FfiSplit::Validation,
            Split::Test => FfiSplit::Test,
        });
        Self {
            id: record.id.into(),
            label: record.label.into(),
            split: split.into(),
            fields: record.fields.into_iter().map(|(key, value)| Tuple2(key.into(), value.into())).collect(),
        }
    }
}

impl From<&Record> for FfiRecord {
    fn from(record: &Record) -> Self {
        FfiRecord::from(record.clone())
    }
}

impl From<FfiRecord> for Record {
    fn from(record: FfiRecord) -> Self {
        let split = record.split.into_option().map(|split| match split {
            FfiSplit::Train => Split::Train,
            FfiSplit::Validation => Split::Validation,
            FfiSplit::Test => Split::Test,
        });
        Self {
            id: record.id.into_string(),
            label: record.label.into_string(),
            split,
            fields: record.fields.into_iter().map(|pair| (pair.0.into_string(), pair.1.into_string())).collect(),
        }
    }
}

/// Mirror of [`Values`].
#[repr(C, u8)]
#[derive(StableAbi, Debug, Clone)]
pub enum FfiValues {
    Int(RVec<i64>),
    Float(RVec<f32>),
}

/// Mirror of [`Features`].
#[repr(C)]
#[derive(StableAbi, Debug, Clone)]
pub struct FfiFeatures {
    pub entries: RVec<Tuple2<RString, FfiValues>>,
}

impl From<Features> for FfiFeatures {
    fn from(features: Features) -> Self {
        let entries = features
            .entries
            .into_iter()
            .map(|(name, values)| {
                let values = match values {
                    Values::Int(values) => FfiValues::Int(values.into()),
                    Values::Float(values) => FfiValues::Float(values.into()),
                };
                Tuple2(name.into(), values)
            })
            .collect();
        Self { entries }
    }
}

impl From<FfiFeatures> for Features {
    fn from(features: FfiFeatures) -> Self {
        let entries = features
            .entries
            .into_iter()
            .map(|Tuple2(name, values)| {
                let values = match values {
                    FfiValues::Int(values) => Values::Int(values.into_vec()),
                    FfiValues::Float(values) => Values::Float(values.into_vec()),
                };
                (name.into_string(), values)
            })
            .collect();
        Self { entries }
    }
}

/// Mirror of the devices a model can be built on.
#[repr(C, u8)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FfiDevice {
    Cpu,
    Cuda(u32),
}

impl From<Device> for FfiDevice {
    fn from(device: Device) -> Self {
        match device {
            Device::Cuda(index) => FfiDevice::Cuda(index as u32),
            _ => FfiDevice::Cpu,
        }
    }
}

impl From<FfiDevice> for Device {
    fn from(device: FfiDevice) -> Self {
        match device {
            FfiDevice::Cpu => Device::Cpu,
            FfiDevice::Cuda(index) => Device::Cuda(index as usize),
        }
    }
}
