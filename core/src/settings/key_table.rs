//! `key_table!`: one declaration per settings key drives everything the key needs. From a list of
//! rows (`name: Type = reader(default, parser), tunable Kind(check), then check, scope = job;`)
//! it expands to the section's key list, its struct with one documented field per row, the reader
//! (defaults, value checks and cross-key checks in row order), the snapshot writer, the tunable
//! keys with their settings text and the job-wide keys (those a per-model section may not set). A key spelled once cannot drift between its reader, writer and `[tuning]`.

use super::error::SettingsError;
use super::reader::SectionReader;
use super::values::Expect;

/// The type of a key that `[tuning]` may search over, with the check its values pass.
#[derive(Clone, Copy)]
pub(crate) enum Tunable {
    /// A real-valued key.
    Float(fn(&str) -> Expect<f64>),
    /// An integer key.
    Integer(fn(&str) -> Expect<i64>),
    /// A keyword key: only a list of choices can search it.
    Keyword(fn(&str) -> Expect<()>),
}

/// How a value is spelled in a settings snapshot: floats in Rust's shortest round-trip form
/// (`5e-5`, `0.01`, `1.0`), everything else as displayed.
pub(crate) trait IniText {
    /// The value as settings text.
    fn ini_text(&self) -> String;
}

impl IniText for f64 {
    fn ini_text(&self) -> String {
        format!("{self:?}")
    }
}

/// Implements [`IniText`] as `Display` for the listed types.
macro_rules! ini_text_as_display {
    ($($ty:ty),+ $(,)?) => {
        $(impl IniText for $ty {
            fn ini_text(&self) -> String {
                self.to_string()
            }
        })+
    };
}

pub(crate) use ini_text_as_display;

ini_text_as_display!(bool, u32, u64, usize, super::device::Device, super::objective::ObjectiveMetric);

/// Reads `key` with `parse`, `default` when it is not set (an empty value is checked like any other).
pub(crate) fn or<T>(
    r: &SectionReader<'_>,
    key: &str,
    default: T,
    parse: impl Fn(&str) -> Expect<T>,
) -> Result<T, SettingsError> {
    r.or(key, default, parse)
}

/// Reads `key` with `parse`, `default` when it is not set or set to an empty value.
pub(crate) fn or_blank<T>(
    r: &SectionReader<'_>,
    key: &str,
    default: T,
    parse: impl Fn(&str) -> Expect<T>,
) -> Result<T, SettingsError> {
    Ok(r.optional(key, parse)?.unwrap_or(default))
}

/// Declares a settings section from one row per key; see the module documentation. Rows are read
/// and written in their order; a row's default may name the keys of earlier rows, and its `then`
/// check (`|reader, value| -> Result<(), SettingsError>`) runs right after the key is read.
macro_rules! key_table {
    (@name $field:ident $scope:ident) => {
        stringify!($field)
    };
    (
        section = $section:literal;
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$doc:meta])*
                $field:ident : $ty:ty = $how:ident($default:expr, $parse:expr)
                    $(, tunable $kind:ident($check:expr))?
                    $(, then $then:expr)?
                    $(, scope = $scope:ident)?
                ;
            )+
        }
    ) => {
        /// The keys of the section, in snapshot order.
        const KEYS: &[&str] = &[$(stringify!($field)),+];

        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name {
            $( $(#[$doc])* pub $field: $ty, )+
        }

        impl $name {
            /// Reads the section: every key parsed and checked, defaults for those not set.
            pub(crate) fn read(raw: &$crate::settings::raw::RawIni) -> Result<Self, SettingsError> {
                let reader = SectionReader::new(raw, $section, KEYS)?;
                $(
                    let $field: $ty =
                        $crate::settings::key_table::$how(&reader, stringify!($field), $default, $parse)?;
                    $( ($then)(&reader, &$field)?; )?
                )+
                Ok(Self { $($field),+ })
            }

            /// Writes the section as a settings snapshot, every key with its value.
            pub(crate) fn write_ini(&self, out: &mut $crate::settings::render::IniWriter) {
                use $crate::settings::key_table::IniText as _;
                out.section($section);
                $( out.key(stringify!($field), self.$field.ini_text()); )+
            }

            /// The value of tunable key `key` (see `[tuning]`) as settings text, `None` for
            /// another key.
            pub fn tunable_value(&self, key: &str) -> Option<String> {
                use $crate::settings::key_table::IniText as _;
                match key {
                    $($( stringify!($field) => {
                        let _ = $crate::settings::key_table::Tunable::$kind;
                        Some(self.$field.ini_text())
                    } )?)+
                    _ => None,
                }
            }
        }

        /// The keys that describe the whole job (`scope = job`) rather than one model's loop.
        pub(crate) const JOB_KEYS: &[&str] = &[$($( key_table!(@name $field $scope), )?)+];

        /// The keys a search space may name, each with the same check as in the section.
        pub(crate) const TUNABLE: &[(&str, $crate::settings::key_table::Tunable)] = &[
            $($( (stringify!($field), $crate::settings::key_table::Tunable::$kind($check)), )?)+
        ];
    };
}

pub(crate) use key_table;
