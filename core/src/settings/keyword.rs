//! `keyword_enum!`: declares an enum whose values are spelled as fixed keywords in `settings.ini`
//! (`backend = sagemaker`), with the spelling in one place for parsing, display and rendering.

/// Declares a `Copy` enum with `ALL`, `as_str()`, `Display` and a crate-internal `parse_keyword()`
/// whose error is the "expected" phrase (`one of a, b, c`).
macro_rules! keyword_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order the settings documentation lists them.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The keyword as written in `settings.ini`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text, )+
                }
            }

            /// Parses the keyword; the error is what was expected instead.
            #[allow(dead_code)]
            pub(crate) fn parse_keyword(text: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| {
                        let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        format!("one of {}", names.join(", "))
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use keyword_enum;

#[cfg(test)]
mod tests {
    keyword_enum! {
        /// A test enum.
        pub enum Colour {
            /// Red.
            Red = "red",
            /// Dark blue.
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn keywords_parse_and_display_the_same_spelling() {
        assert_eq!(Colour::parse_keyword("dark_blue"), Ok(Colour::DarkBlue));
        assert_eq!(Colour::DarkBlue.to_string(), "dark_blue");
    }

    #[test]
    fn unknown_keyword_lists_the_choices() {
        assert_eq!(Colour::parse_keyword("green"), Err("one of red, dark_blue".to_string()));
    }
}
