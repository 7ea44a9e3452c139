//! The PDF itinerary of an order, laid out with typst.
//!
//! The booking crate maps an order to an [`Itinerary`]: display-ready, already localized strings
//! (this crate formats no money, date or time and translates nothing). [`render`] turns it into an
//! A4 PDF: a brand bar, the reference with its QR code, flights, passengers, hotels, price,
//! payments and notes; empty sections are left out and long ones flow onto further pages.
//!
//! Design choices:
//! - **typst** does the layout (line breaking including Chinese, tables whose header repeats on
//!   every page, page breaks); `typst-pdf` writes the PDF and embeds only the glyphs used (font
//!   subsets), so a 5 MB CJK font adds tens of kilobytes to a document.
//! - **Data, never markup.** The template (`assets/itinerary.typ`) is fixed and compiled from the
//!   binary; the itinerary reaches it as an in-memory `/data.json` read with `json()`. Strings
//!   from JSON are printed as text, so a passenger called `O'Brien #1 [VIP]` or a request with
//!   `$`, `*`, `\`, `<` prints literally and cannot inject typst code. The QR code of the
//!   reference is an SVG made with the `qrcode` crate, given to typst as `/qr.svg`.
//! - **Our own small [`typst::World`]** instead of `typst-as-lib` or `typst-kit`: it serves exactly
//!   those three in-memory files and the fonts, so rendering does no I/O and can fetch nothing.
//!   The standard library and the parsed template live for the process, so typst's memoization
//!   reuses the template's evaluation across renders; the memo cache is trimmed after each render
//!   so a long-running server does not keep old itineraries' layouts.
//! - **Fonts are found once.** [`Fonts::discover`] reads the font files at start-up and keeps the
//!   bytes in memory (cloning a [`Fonts`] clones an `Arc`). Latin text is set in Liberation Sans,
//!   shipped in `assets/fonts` (SIL OFL 1.1), because typst's bundled fonts are serif and maths
//!   faces and output must not depend on the machine. Chinese needs a CJK face: a configured file
//!   or one found in the system's font folders (WenQuanYi Micro Hei and Noto CJK by name first; in
//!   a `.ttc` collection the Simplified Chinese face). Without one, [`Fonts::has_cjk`] is false and
//!   the caller should render in English; a Chinese render still succeeds, with missing glyphs.
//!   CJK fonts have no bold face here, so bold Han characters are thickened with an outline.
//! - **Nothing runs off the page.** Tables repeat their header on each page; a token of 25 or more
//!   characters without a space (a URL, an e-mail address) gets invisible break opportunities, not
//!   zero-width spaces, which would end up in copied text.
//!
//! Rendering is CPU-bound (about 30–50 ms for a two-page document in a debug build, the first one
//! of a process a little more): call it from `spawn_blocking`.

mod fonts;
mod model;
mod world;

pub use fonts::Fonts;
pub use model::{
    DEFAULT_BRAND_COLOR, FlightPart, HotelPart, Itinerary, Labels, Language, Passenger,
    PaymentLine, PriceLine, Segment,
};

use typst::diag::Warned;
use typst_layout::PagedDocument;

/// How many renders a memoized typst result survives unused. The template's own evaluation is
/// used by every render and stays; a past itinerary's layout goes after this many renders.
const MEMO_MAX_AGE: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum ItineraryError {
    /// A configured font is missing or unusable.
    #[error("itinerary font: {0}")]
    Font(String),
    /// typst could not lay the document out (its diagnostics, joined).
    #[error("itinerary layout: {0}")]
    Layout(String),
}

/// The itinerary as a PDF document.
pub fn render(itinerary: &Itinerary, fonts: &Fonts) -> Result<Vec<u8>, ItineraryError> {
    let result = compile(itinerary, fonts);
    typst::comemo::evict(MEMO_MAX_AGE);
    result
}

fn compile(itinerary: &Itinerary, fonts: &Fonts) -> Result<Vec<u8>, ItineraryError> {
    let world = world::RenderWorld::new(itinerary, fonts.set())
        .map_err(|e| ItineraryError::Layout(format!("itinerary data: {e}")))?;
    let Warned { output, warnings } = typst::compile::<PagedDocument>(&world);
    if !warnings.is_empty() {
        tracing::debug!(warnings = %world::diagnostics(&warnings), "typst warnings");
    }
    let document = output.map_err(|errors| ItineraryError::Layout(world::diagnostics(&errors)))?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(itinerary.reference.clone()),
        ..Default::default()
    };
    typst_pdf::pdf(&document, &options)
        .map_err(|errors| ItineraryError::Layout(world::diagnostics(&errors)))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn labels() -> Labels {
        Labels {
            title: "Itinerary".into(),
            reference: "Reference".into(),
            status: "Status".into(),
            issued: "Issued".into(),
            contact: "Contact".into(),
            flights: "Flights".into(),
            pnr: "PNR".into(),
            flight: "Flight".into(),
            departs: "Departs".into(),
            arrives: "Arrives".into(),
            duration: "Duration".into(),
            cabin: "Cabin".into(),
            passengers: "Passengers".into(),
            ticket: "Ticket".into(),
            document: "Document".into(),
            hotels: "Hotels".into(),
            check_in: "Check-in".into(),
            check_out: "Check-out".into(),
            nights: "Nights".into(),
            rooms: "Rooms".into(),
            confirmation: "Confirmation".into(),
            cancellation: "Cancellation".into(),
            special_requests: "Special requests".into(),
            price: "Price".into(),
            total: "Total".into(),
            payments: "Payments".into(),
            footer: "Wayfare Ltd".into(),
        }
    }

    pub(crate) fn minimal(reference: &str) -> Itinerary {
        Itinerary {
            language: Language::En,
            brand: "Wayfare".into(),
            brand_color: "#0b5cad".into(),
            reference: reference.into(),
            status: "Confirmed".into(),
            issued_at: "2026-11-25 10:02 UTC".into(),
            contact: "a@b.com".into(),
            flights: vec![],
            hotels: vec![],
            passengers: vec![],
            price_lines: vec![],
            total: String::new(),
            payments: vec![],
            notes: vec![],
            labels: labels(),
        }
    }

    /// Everything typst markup or code would read specially.
    const HOSTILE: &[&str] = &[
        "O'Brien #1 [VIP]",
        "*bold* _emph_ `raw`",
        "$x^2$ \\ back\\slash \"quoted\"",
        "<label> @ref // comment /* block",
        "#panic(\"boom\")",
        "#eval(\"1\")]) ] } {",
        "= Heading\n- list\n+ enum",
        "https://example.invalid/?a=1&b=<2>",
    ];

    #[test]
    fn caller_text_is_data_not_markup() {
        let mut it = minimal("#ref[1]");
        it.status = "#panic()".into();
        it.contact = "<x> $ * _".into();
        it.passengers = HOSTILE
            .iter()
            .map(|name| Passenger {
                name: (*name).into(),
                kind: "Adult ]".into(),
                ticket: Some("*781*".into()),
                document: Some("E****12[3]4".into()),
            })
            .collect();
        it.notes = HOSTILE.iter().map(|s| (*s).to_string()).collect();
        it.labels.title = "#set page(width: 1pt)".into();
        let pdf = render(&it, &Fonts::latin_only()).expect("hostile text renders");
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn payload_carries_strings_verbatim() {
        let mut it = minimal("K7QX2M");
        it.passengers.push(Passenger {
            name: HOSTILE[0].into(),
            kind: "Adult".into(),
            ticket: None,
            document: None,
        });
        let fonts = Fonts::latin_only();
        let world = world::RenderWorld::new(&it, fonts.set()).unwrap();
        let data = typst::World::file(&world, file_id_for("/data.json")).unwrap();
        let json: serde_json::Value = serde_json::from_slice(data.as_slice()).unwrap();
        assert_eq!(json["doc"]["passengers"][0]["name"], HOSTILE[0]);
        assert_eq!(json["fonts"], serde_json::json!(["Liberation Sans"]));
        assert_eq!(json["brand_color"], "#0b5cad");
    }

    fn file_id_for(path: &str) -> typst::syntax::FileId {
        typst::syntax::RootedPath::new(
            typst::syntax::VirtualRoot::Project,
            typst::syntax::VirtualPath::new(path).unwrap(),
        )
        .intern()
    }

    #[test]
    fn no_file_outside_the_world_is_readable() {
        let it = minimal("K7QX2M");
        let fonts = Fonts::latin_only();
        let world = world::RenderWorld::new(&it, fonts.set()).unwrap();
        assert!(typst::World::file(&world, file_id_for("/etc/passwd")).is_err());
        assert!(typst::World::source(&world, file_id_for("/data.json")).is_err());
    }

    #[test]
    fn empty_itinerary_renders() {
        let mut it = minimal("");
        it.status = String::new();
        it.issued_at = String::new();
        it.contact = String::new();
        let pdf = render(&it, &Fonts::latin_only()).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn chinese_without_a_cjk_font_still_renders() {
        let mut it = minimal("K7QX2M");
        it.language = Language::ZhCn;
        it.status = "已确认".into();
        it.labels.title = "行程单".into();
        let fonts = Fonts::discover_in(None, &[]).unwrap();
        assert!(!fonts.has_cjk());
        let pdf = render(&it, &fonts).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn fonts_are_shared_across_threads() {
        fn shareable<T: Clone + Send + Sync + 'static>() {}
        shareable::<Fonts>();
        let fonts = Fonts::latin_only();
        let pdfs: Vec<Vec<u8>> = std::thread::scope(|scope| {
            let workers: Vec<_> = ["AAAAAA", "BBBBBB"]
                .into_iter()
                .map(|reference| {
                    let fonts = fonts.clone();
                    scope.spawn(move || render(&minimal(reference), &fonts).unwrap())
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        assert_ne!(pdfs[0], pdfs[1]);
    }

    #[test]
    fn invalid_brand_colour_falls_back() {
        let mut it = minimal("K7QX2M");
        it.brand_color = "rgb(1,2,3)\")".into();
        assert!(render(&it, &Fonts::latin_only()).is_ok());
    }
}
