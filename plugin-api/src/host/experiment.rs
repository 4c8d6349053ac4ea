//! [`HostExperiment`]: the plugin's experiment object seen from the host, with the plain-Rust API.

use super::HostModel;
use crate::ffi::{FfiError, FfiExperimentBox, FfiRecord, FfiSink, FfiSink_TO};
use crate::{Features, Record};
use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::std_types::{RResult, RString};
use std::fmt;
use tch::Device;

/// A user function that failed: it returned an error, or it panicked (caught in the plugin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    /// The user function, e.g. `prepare`.
    pub function: &'static str,
    /// Whether it panicked rather than returned an error.
    pub panicked: bool,
    /// The plugin's message.
    pub message: String,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.panicked { "panicked" } else { "failed" };
        write!(f, "plugin function `{}` {what}: {}", self.function, self.message)
    }
}

impl std::error::Error for CallError {}

pub(crate) fn call<T>(function: &'static str, result: RResult<T, FfiError>) -> Result<T, CallError> {
    result.into_result().map_err(|err| CallError {
        function,
        panicked: err.panicked,
        message: err.message.into_string(),
    })
}

/// The experiment object of a loaded plugin. `Send + Sync`: `prepare` may be called from many
/// threads at once.
pub struct HostExperiment {
    inner: FfiExperimentBox,
}

impl HostExperiment {
    pub(crate) fn new(inner: FfiExperimentBox) -> Self {
        Self { inner }
    }

    /// Runs the plugin's `reconcile`, handing each record to `push`. An error from `push` stops
    /// the plugin and is returned as is (the plugin's own errors come back as `Err(Right)`).
    ///
    /// # Errors
    /// `Left` when `push` failed, `Right` when the plugin failed.
    pub fn reconcile<E>(&self, mut push: impl FnMut(Record) -> Result<(), E>) -> Result<(), Either<E, CallError>> {
        let mut sink = Sink { push: &mut push, error: None };
        let result = self.inner.reconcile(FfiSink_TO::from_ptr(&mut sink, TD_Opaque));
        if let Some(err) = sink.error.take() {
            return Err(Either::Left(err));
        }
        call("reconcile", result).map_err(Either::Right)
    }

    /// The plugin's `labels`.
    ///
    /// # Errors
    /// The plugin failed.
    pub fn labels(&self) -> Result<Vec<String>, CallError> {
        Ok(call("labels", self.inner.labels())?.into_iter().map(RString::into_string).collect())
    }

    /// The plugin's `prepare` for one record.
    ///
    /// # Errors
    /// The plugin failed.
    pub fn prepare(&self, model_name: &str, record: &Record) -> Result<Features, CallError> {
        let record = FfiRecord::from(record);
        Ok(call("prepare", self.inner.prepare(model_name.into(), &record))?.into())
    }

    /// The plugin's `ordered_input_keys`.
    ///
    /// # Errors
    /// The plugin failed.
    pub fn ordered_input_keys(&self, model_name: &str) -> Result<Vec<String>, CallError> {
        Ok(call("ordered_input_keys", self.inner.ordered_input_keys(model_name.into()))?
            .into_iter()
            .map(RString::into_string)
            .collect())
    }

    /// The plugin's `load_model`.
    ///
    /// # Errors
    /// The plugin failed.
    pub fn load_model(&self, model_name: &str, num_labels: usize, device: Device) -> Result<HostModel, CallError> {
        let model = call("load_model", self.inner.load_model(model_name.into(), num_labels as u64, device.into()))?;
        Ok(HostModel::new(model))
    }
}

/// One of two error sources.
#[derive(Debug)]
pub enum Either<L, R> {
    /// The first source: for [`HostExperiment::reconcile`], the host's own error from `push`.
    Left(L),
    /// The second source: for [`HostExperiment::reconcile`], the plugin's error or panic.
    Right(R),
}

struct Sink<'a, E> {
    push: &'a mut dyn FnMut(Record) -> Result<(), E>,
    /// The host-side error that stopped the plugin, kept typed for the caller.
    error: Option<E>,
}

impl<E> FfiSink for Sink<'_, E> {
    fn push(&mut self, record: FfiRecord) -> RResult<(), RString> {
        if self.error.is_some() {
            return RResult::RErr("the host stopped accepting records".into());
        }
        match (self.push)(record.into()) {
            Ok(()) => RResult::ROk(()),
            Err(err) => {
                self.error = Some(err);
                RResult::RErr("the host refused a record".into())
            }
        }
    }
}
