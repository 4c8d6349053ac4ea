//! Text on a chart, laid out and rasterised with ab_glyph: glyphs advance by their advance widths
//! plus kerning and are placed at their own bearings, then blended into the bitmap pixel by pixel
//! with their coverage as opacity. (plotters' own ab_glyph text drops the bearings, which spaces
//! letters unevenly.) Text can be anchored at its start, centre or end on both axes, and turned a
//! quarter turn to read upwards for a vertical axis description.

use ab_glyph::{point, Font, FontRef, Glyph, PxScale, ScaleFont};
use plotters::coord::Shift;
use plotters::prelude::{Color, DrawingArea, DrawingBackend, RGBColor};

/// Where the anchor point sits on the text's box, along one axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    /// The left (or top) edge.
    Start,
    /// The middle.
    Centre,
    /// The right (or bottom) edge.
    End,
}

impl Align {
    /// The share of the box's extent that lies before the anchor.
    fn fraction(self) -> f32 {
        match self {
            Align::Start => 0.0,
            Align::Centre => 0.5,
            Align::End => 1.0,
        }
    }
}

/// How a piece of text looks: font, pixel size and colour.
#[derive(Debug, Clone, Copy)]
pub(super) struct TextStyle<'f> {
    pub font: &'f FontRef<'static>,
    /// Font size in pixels: ab_glyph's scale, the height from the lowest descender to the highest
    /// ascender (for DejaVu Sans about 1.16 em).
    pub size: f32,
    pub colour: RGBColor,
}

impl TextStyle<'_> {
    /// The width (the sum of advances and kerning) and height (ascent plus descent) of `text` on
    /// one line, in pixels.
    pub fn measure(&self, text: &str) -> (f32, f32) {
        let (_, width) = self.layout(text);
        (width, self.height())
    }

    /// Draws `text` on `area` with `anchor` placed at `at` (pixels of `area`): `horizontal` and
    /// `vertical` say where the anchor sits on the text's box. With `upwards` the text is turned a
    /// quarter turn counter-clockwise and alignments apply along and across the turned text.
    ///
    /// # Errors
    /// The backend's message when a pixel cannot be drawn.
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        text: &str,
        at: (i32, i32),
        (horizontal, vertical): (Align, Align),
        upwards: bool,
    ) -> Result<(), String> {
        let (glyphs, width) = self.layout(text);
        let dx = (-width * horizontal.fraction()).round() as i32;
        let dy = (-self.height() * vertical.fraction()).round() as i32;
        let mut pixels = Vec::new();
        for glyph in glyphs {
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue; // spaces have no outline
            };
            let bounds = outline.px_bounds();
            let (left, top) = (bounds.min.x as i32, bounds.min.y as i32);
            outline.draw(|x, y, coverage| {
                if coverage > 0.0 {
                    pixels.push((left + x as i32 + dx, top + y as i32 + dy, coverage.min(1.0)));
                }
            });
        }
        for (x, y, coverage) in pixels {
            let screen = if upwards { (at.0 + y, at.1 - x) } else { (at.0 + x, at.1 + y) };
            area.draw_pixel(screen, &self.colour.mix(f64::from(coverage))).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The glyphs of `text` positioned on a line whose box starts at (0, 0), and the line's width.
    fn layout(&self, text: &str) -> (Vec<Glyph>, f32) {
        let font = self.font.as_scaled(PxScale::from(self.size));
        let mut caret = 0.0;
        let mut previous = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(previous) = previous {
                caret += font.kern(previous, id);
            }
            glyphs.push(id.with_scale_and_position(self.size, point(caret, font.ascent())));
            caret += font.h_advance(id);
            previous = Some(id);
        }
        (glyphs, caret)
    }

    /// The line height: ascent plus descent.
    fn height(&self) -> f32 {
        let font = self.font.as_scaled(PxScale::from(self.size));
        font.ascent() - font.descent()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::font::fonts;
    use plotters::prelude::{BitMapBackend, IntoDrawingArea, BLACK, WHITE};

    fn style() -> TextStyle<'static> {
        TextStyle { font: &fonts().unwrap().regular, size: 20.0, colour: BLACK }
    }

    /// The bounding box (x0, y0, x1, y1) of the non-white pixels of a 100×100 canvas with `text`
    /// drawn at (50, 50).
    fn ink_box(text: &str, anchor: (Align, Align), upwards: bool) -> (usize, usize, usize, usize) {
        let mut buffer = vec![255u8; 100 * 100 * 3];
        {
            let area = BitMapBackend::with_buffer(&mut buffer, (100, 100)).into_drawing_area();
            area.fill(&WHITE).unwrap();
            style().draw(&area, text, (50, 50), anchor, upwards).unwrap();
            area.present().unwrap();
        }
        let ink: Vec<(usize, usize)> =
            (0..100 * 100).filter(|i| buffer[i * 3] < 255).map(|i| (i % 100, i / 100)).collect();
        let xs = ink.iter().map(|p| p.0);
        let ys = ink.iter().map(|p| p.1);
        (xs.clone().min().unwrap(), ys.clone().min().unwrap(), xs.max().unwrap(), ys.max().unwrap())
    }

    #[test]
    fn longer_text_is_wider_and_spaces_advance() {
        let (one, height) = style().measure("l");
        assert!(style().measure("ll").0 > 1.9 * one);
        assert!(style().measure("l l").0 > style().measure("ll").0);
        // ab_glyph scales a font so that ascent + descent is the requested size.
        assert!((height - 20.0).abs() < 0.01, "{height}");
    }

    #[test]
    fn anchors_place_the_text_around_the_point() {
        let (x0, _, x1, _) = ink_box("mm", (Align::Start, Align::Centre), false);
        assert!((49..=52).contains(&x0) && x1 > 60, "{x0}..{x1}");
        let (x0, _, x1, _) = ink_box("mm", (Align::End, Align::Centre), false);
        assert!(x0 < 40 && (47..=51).contains(&x1), "{x0}..{x1}");
        let (x0, y0, x1, y1) = ink_box("mm", (Align::Centre, Align::Centre), false);
        assert!((x0 + x1).abs_diff(100) <= 2 && y0 < 50 && y1 > 45, "{x0},{y0}..{x1},{y1}");
    }

    #[test]
    fn upward_text_runs_from_bottom_to_top() {
        let (x0, y0, x1, y1) = ink_box("mmmm", (Align::Start, Align::Centre), true);
        // It starts at the anchor and rises: tall and narrow, above y = 50.
        assert!(y1 <= 51 && y1 - y0 > 2 * (x1 - x0), "{x0},{y0}..{x1},{y1}");
    }
}
