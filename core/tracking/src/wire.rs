//! MLflow's JSON, as its REST API (protobuf's JSON mapping) writes and reads it: request and answer
//! shapes, and the two quirks of that mapping handled here once: doubles may be the strings
//! `"NaN"`, `"Infinity"`, `"-Infinity"`, and 64-bit integers may come quoted.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::data::{Metric, RunRecord};

/// A `{key, value}` pair: a param or a tag.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct KeyValue {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// A metric point as MLflow spells it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct WireMetric {
    pub key: String,
    #[serde(serialize_with = "write_double", deserialize_with = "read_double")]
    pub value: f64,
    #[serde(default, deserialize_with = "read_u64")]
    pub timestamp: u64,
    #[serde(default, deserialize_with = "read_u64")]
    pub step: u64,
}

impl From<&Metric> for WireMetric {
    fn from(m: &Metric) -> Self {
        Self { key: m.key.clone(), value: m.value, timestamp: m.timestamp_ms, step: m.step }
    }
}

impl From<WireMetric> for Metric {
    fn from(m: WireMetric) -> Self {
        Self { key: m.key, value: m.value, timestamp_ms: m.timestamp, step: m.step }
    }
}

#[derive(Deserialize)]
pub(crate) struct ExperimentAnswer {
    pub experiment: Experiment,
}

#[derive(Deserialize)]
pub(crate) struct Experiment {
    pub experiment_id: String,
}

#[derive(Deserialize)]
pub(crate) struct CreateExperimentAnswer {
    pub experiment_id: String,
}

#[derive(Deserialize)]
pub(crate) struct RunAnswer {
    pub run: Run,
}

#[derive(Deserialize)]
pub(crate) struct SearchRunsAnswer {
    #[serde(default)]
    pub runs: Vec<Run>,
}

#[derive(Deserialize)]
pub(crate) struct Run {
    pub info: RunInfo,
    #[serde(default)]
    pub data: RunData,
}

#[derive(Deserialize)]
pub(crate) struct RunInfo {
    pub run_id: String,
    pub experiment_id: String,
    #[serde(default)]
    pub run_name: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "read_opt_u64")]
    pub start_time: Option<u64>,
    #[serde(default, deserialize_with = "read_opt_u64")]
    pub end_time: Option<u64>,
    #[serde(default)]
    pub artifact_uri: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct RunData {
    #[serde(default)]
    pub params: Vec<KeyValue>,
    #[serde(default)]
    pub tags: Vec<KeyValue>,
}

impl From<Run> for RunRecord {
    fn from(run: Run) -> Self {
        let pairs = |kvs: Vec<KeyValue>| kvs.into_iter().map(|kv| (kv.key, kv.value)).collect();
        Self {
            run_id: run.info.run_id,
            experiment_id: run.info.experiment_id,
            run_name: run.info.run_name,
            status: run.info.status,
            start_ms: run.info.start_time,
            end_ms: run.info.end_time,
            artifact_uri: run.info.artifact_uri,
            params: pairs(run.data.params),
            tags: pairs(run.data.tags),
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct MetricHistoryAnswer {
    #[serde(default)]
    pub metrics: Vec<WireMetric>,
    pub next_page_token: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListArtifactsAnswer {
    #[serde(default)]
    pub files: Vec<FileInfo>,
    pub next_page_token: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct FileInfo {
    pub path: String,
    #[serde(default)]
    pub is_dir: bool,
    #[serde(default, deserialize_with = "read_opt_u64")]
    pub file_size: Option<u64>,
}

/// An answer whose content does not matter (`{}`).
#[derive(Deserialize)]
pub(crate) struct Empty {}

fn write_double<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
    if value.is_nan() {
        s.serialize_str("NaN")
    } else if value.is_infinite() {
        s.serialize_str(if *value > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        s.serialize_f64(*value)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Number(serde_json::Number),
    String(String),
}

fn read_double<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    use serde::de::Error;
    match NumberOrString::deserialize(d)? {
        NumberOrString::Number(n) => n.as_f64().ok_or_else(|| D::Error::custom(format!("not a double: {n}"))),
        NumberOrString::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            other => other.parse().map_err(|_| D::Error::custom(format!("not a double: {other:?}"))),
        },
    }
}

fn read_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    use serde::de::Error;
    match NumberOrString::deserialize(d)? {
        NumberOrString::Number(n) => n.as_u64().ok_or_else(|| D::Error::custom(format!("not a count: {n}"))),
        NumberOrString::String(s) => s.parse().map_err(|_| D::Error::custom(format!("not a count: {s:?}"))),
    }
}

fn read_opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    read_u64(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_values_are_written_as_protobuf_strings() {
        let m = |v| serde_json::to_value(WireMetric { key: "k".into(), value: v, timestamp: 1, step: 2 }).unwrap();
        assert_eq!(m(f64::NAN)["value"], "NaN");
        assert_eq!(m(f64::INFINITY)["value"], "Infinity");
        assert_eq!(m(f64::NEG_INFINITY)["value"], "-Infinity");
        assert_eq!(m(0.25)["value"], 0.25);
    }

    #[test]
    fn quoted_integers_and_string_doubles_are_read() {
        let m: WireMetric = serde_json::from_str(r#"{"key":"k","value":"NaN","timestamp":"17","step":"3"}"#).unwrap();
        assert!(m.value.is_nan());
        assert_eq!((m.timestamp, m.step), (17, 3));
        let m: WireMetric = serde_json::from_str(r#"{"key":"k","value":1e3,"timestamp":1,"step":0}"#).unwrap();
        assert_eq!(m.value, 1000.0);
    }

    #[test]
    fn run_without_data_or_end_time_reads() {
        let run: RunAnswer = serde_json::from_str(
            r#"{"run":{"info":{"run_id":"r","experiment_id":"1","status":"RUNNING","start_time":5,
                "artifact_uri":"mlflow-artifacts:/1/r/artifacts"}}}"#,
        )
        .unwrap();
        let record = RunRecord::from(run.run);
        assert_eq!((record.start_ms, record.end_ms), (Some(5), None));
        assert!(record.params.is_empty());
    }
}
