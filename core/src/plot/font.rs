//! The fonts that charts use: DejaVu Sans regular and bold, embedded in the binary by the `dejavu`
//! crate and parsed once per process. Embedding avoids depending on fonts installed on the machine
//! (training containers often have none) and makes charts look the same everywhere.

use std::sync::OnceLock;

use ab_glyph::FontRef;

use super::error::PlotError;

/// The parsed chart fonts.
#[derive(Debug)]
pub(super) struct Fonts {
    /// Tick labels, axis descriptions, legend entries.
    pub regular: FontRef<'static>,
    /// The title.
    pub bold: FontRef<'static>,
}

/// The chart fonts, parsed on first use.
///
/// # Errors
/// [`PlotError::Font`] when the embedded font bytes do not parse (they are fixed at build time, so
/// this is a build defect, not a run-time condition).
pub(super) fn fonts() -> Result<&'static Fonts, PlotError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    let parse = |name: &str, bytes: &'static [u8]| {
        FontRef::try_from_slice(bytes).map_err(|e| format!("dejavu sans {name}: {e}"))
    };
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                regular: parse("regular", dejavu::sans::regular())?,
                bold: parse("bold", dejavu::sans::bold())?,
            })
        })
        .as_ref()
        .map_err(|message| PlotError::Font { message: message.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ab_glyph::Font;

    #[test]
    fn the_embedded_fonts_parse_and_have_latin_glyphs() {
        let fonts = fonts().unwrap();
        for font in [&fonts.regular, &fonts.bold] {
            assert_ne!(font.glyph_id('a').0, 0, "'a' maps to the missing-glyph box");
        }
    }
}
