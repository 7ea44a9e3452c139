//! The typst world an itinerary is compiled in: one fixed template, the itinerary as a JSON file
//! and its QR code as an SVG file, all in memory; fonts from [`Fonts`].

use std::sync::LazyLock;

use serde::Serialize;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts::FontSet;
use crate::model::{DEFAULT_BRAND_COLOR, Itinerary, Language};

const TEMPLATE: &str = include_str!("../assets/itinerary.typ");

/// What never changes between renders: the standard library and the parsed template. Kept for the
/// process so typst's memoization recognises them and reuses the template's evaluation.
struct Template {
    library: LazyHash<Library>,
    main: Source,
    data: FileId,
    qr: FileId,
}

static TEMPLATE_WORLD: LazyLock<Template> = LazyLock::new(|| Template {
    library: LazyHash::new(Library::default()),
    main: Source::new(file_id("/itinerary.typ"), TEMPLATE.to_owned()),
    data: file_id("/data.json"),
    qr: file_id("/qr.svg"),
});

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One render's world: the shared template and fonts plus this itinerary's files.
pub(crate) struct RenderWorld<'a> {
    template: &'static Template,
    fonts: &'a FontSet,
    data: Bytes,
    qr: Option<Bytes>,
}

impl<'a> RenderWorld<'a> {
    pub(crate) fn new(
        itinerary: &Itinerary,
        fonts: &'a FontSet,
    ) -> Result<Self, serde_json::Error> {
        let qr = qr_svg(&itinerary.reference).map(Bytes::from_string);
        let payload = Payload {
            doc: itinerary,
            brand_color: brand_color(&itinerary.brand_color),
            on_brand: text_colour_on(&brand_color(&itinerary.brand_color)),
            lang: match itinerary.language {
                Language::En => "en",
                Language::ZhCn => "zh",
            },
            region: match itinerary.language {
                Language::En => None,
                Language::ZhCn => Some("cn"),
            },
            fonts: fonts.families(),
            has_qr: qr.is_some(),
        };
        if itinerary.language == Language::ZhCn && !fonts.has_cjk() {
            tracing::warn!("rendering a Chinese itinerary without a CJK font");
        }
        Ok(Self {
            template: &TEMPLATE_WORLD,
            fonts,
            data: Bytes::new(serde_json::to_vec(&payload)?),
            qr,
        })
    }
}

/// The JSON the template reads. Strings stay strings: typst prints them as text, so a `#`, `*`,
/// `$`, `[`, `\` or `<` in a name is never markup.
#[derive(Serialize)]
struct Payload<'a> {
    doc: &'a Itinerary,
    brand_color: String,
    on_brand: &'static str,
    lang: &'static str,
    region: Option<&'static str>,
    fonts: Vec<&'a str>,
    has_qr: bool,
}

impl World for RenderWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.template.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.template.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.template.main.id() {
            Ok(self.template.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.template.data {
            Ok(self.data.clone())
        } else if id == self.template.qr
            && let Some(qr) = &self.qr
        {
            Ok(qr.clone())
        } else if id == self.template.main.id() {
            Ok(Bytes::from_string(self.template.main.clone()))
        } else {
            Err(FileError::NotFound(
                id.get().vpath().get_with_slash().into(),
            ))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // The template prints `issued_at` as given; a clock here would make output vary.
        None
    }
}

/// `#rgb` or `#rrggbb` (the `#` optional) as `#rrggbb`; anything else as the default colour.
pub(crate) fn brand_color(raw: &str) -> String {
    let hex = raw.trim().trim_start_matches('#');
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return DEFAULT_BRAND_COLOR.to_owned();
    }
    match hex.len() {
        6 => format!("#{}", hex.to_ascii_lowercase()),
        3 => format!(
            "#{}",
            hex.chars()
                .flat_map(|c| [c, c])
                .collect::<String>()
                .to_ascii_lowercase()
        ),
        _ => DEFAULT_BRAND_COLOR.to_owned(),
    }
}

/// White on dark brand colours, near-black on light ones (WCAG relative luminance).
fn text_colour_on(hex: &str) -> &'static str {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    // Equal contrast against white and black is at luminance ≈ 0.18.
    if luminance > 0.18 {
        "#1a1a1a"
    } else {
        "#ffffff"
    }
}

/// The reference as a QR code, or none for an empty reference or one too long to encode.
fn qr_svg(reference: &str) -> Option<String> {
    use qrcode::render::svg;
    if reference.is_empty() {
        return None;
    }
    match qrcode::QrCode::with_error_correction_level(reference.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => Some(
            code.render::<svg::Color<'_>>()
                .quiet_zone(true)
                .dark_color(svg::Color("#000000"))
                .light_color(svg::Color("#ffffff"))
                .build(),
        ),
        Err(err) => {
            tracing::warn!(%err, "booking reference not encodable as a QR code");
            None
        }
    }
}

/// typst's errors as one line each, with their hints.
pub(crate) fn diagnostics(diags: &[SourceDiagnostic]) -> String {
    diags
        .iter()
        .map(|d| {
            let mut line = d.message.to_string();
            for hint in &d.hints {
                line.push_str(" (hint: ");
                line.push_str(&hint.v);
                line.push(')');
            }
            line
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brand_colours_are_validated() {
        assert_eq!(brand_color("#0B5CAD"), "#0b5cad");
        assert_eq!(brand_color(" 0b5cad "), "#0b5cad");
        assert_eq!(brand_color("#abc"), "#aabbcc");
        assert_eq!(brand_color("red"), DEFAULT_BRAND_COLOR);
        assert_eq!(brand_color("#12345"), DEFAULT_BRAND_COLOR);
        assert_eq!(brand_color("\"); #panic()"), DEFAULT_BRAND_COLOR);
        assert_eq!(brand_color(""), DEFAULT_BRAND_COLOR);
        assert_eq!(brand_color("#ééé"), DEFAULT_BRAND_COLOR);
    }

    #[test]
    fn bar_text_contrasts_with_the_brand_colour() {
        assert_eq!(text_colour_on("#0b5cad"), "#ffffff");
        assert_eq!(text_colour_on("#000000"), "#ffffff");
        assert_eq!(text_colour_on("#ffd700"), "#1a1a1a");
        assert_eq!(text_colour_on("#ffffff"), "#1a1a1a");
    }

    #[test]
    fn qr_code_is_an_svg_of_the_reference() {
        let svg = qr_svg("K7QX2M").unwrap();
        assert!(
            svg.starts_with("<?xml") || svg.starts_with("<svg"),
            "{svg:.80}"
        );
        assert!(svg.contains("</svg>"));
        assert_eq!(qr_svg(""), None);
        assert_eq!(qr_svg(&"X".repeat(5000)), None);
    }
}
