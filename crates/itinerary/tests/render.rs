//! Renders whole itineraries, English and Chinese, and reads them back with poppler's `pdftotext`
//! and `pdfinfo` (skipped, with a note, where poppler-utils or a CJK font is missing). Set
//! `ITINERARY_OUT_DIR` to a folder to keep the PDFs and look at them.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use wayfare_itinerary::{
    FlightPart, Fonts, HotelPart, Itinerary, Labels, Language, Passenger, PaymentLine, PriceLine,
    Segment, render,
};

const REFERENCE: &str = "K7QX2M";
const NAMES: [&str; 3] = ["ZHANG/SAN", "O'Brien #1 [VIP]", "张三"];

fn english_labels() -> Labels {
    Labels {
        title: "Itinerary".into(),
        reference: "Booking reference".into(),
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
        footer:
            "Wayfare Travel Ltd · support@wayfare.example · This itinerary is not a boarding pass."
                .into(),
    }
}

fn chinese_labels() -> Labels {
    Labels {
        title: "行程单".into(),
        reference: "预订编号".into(),
        status: "状态".into(),
        issued: "出具时间".into(),
        contact: "联系方式".into(),
        flights: "航班".into(),
        pnr: "航空公司记录编号".into(),
        flight: "航班号".into(),
        departs: "出发".into(),
        arrives: "到达".into(),
        duration: "飞行时长".into(),
        cabin: "舱位".into(),
        passengers: "乘客".into(),
        ticket: "票号".into(),
        document: "证件".into(),
        hotels: "酒店".into(),
        check_in: "入住".into(),
        check_out: "退房".into(),
        nights: "晚数".into(),
        rooms: "客房".into(),
        confirmation: "确认号".into(),
        cancellation: "取消政策".into(),
        special_requests: "特殊要求".into(),
        price: "价格明细".into(),
        total: "总计".into(),
        payments: "支付记录".into(),
        footer: "Wayfare 旅行 · 本行程单不作为登机牌使用".into(),
    }
}

fn segment(i: usize) -> Segment {
    let (from, to) = if i.is_multiple_of(2) {
        (
            "PVG Shanghai Pudong International Airport T1",
            "PEK Beijing Capital International Airport T2",
        )
    } else {
        (
            "PEK Beijing Capital International Airport T2",
            "PVG Shanghai Pudong International Airport T1",
        )
    };
    Segment {
        flight: format!("MU {}", 5101 + i),
        carrier: "China Eastern Airlines".into(),
        from: from.into(),
        to: to.into(),
        departs: format!("2026-12-{:02} 08:00 (UTC+8)", i + 1),
        arrives: format!("2026-12-{:02} 10:15 (UTC+8)", i + 1),
        duration: "2h 15m".into(),
        cabin: "Economy (Y)".into(),
        aircraft: (!i.is_multiple_of(3)).then(|| "Airbus A330-300".into()),
    }
}

fn itinerary(language: Language, segments: usize) -> Itinerary {
    let zh = language == Language::ZhCn;
    let passenger = |name: &str, ticket: &str| Passenger {
        name: name.into(),
        kind: if zh { "成人".into() } else { "Adult".into() },
        ticket: Some(ticket.into()),
        document: Some("E****5678".into()),
    };
    Itinerary {
        language,
        brand: "Wayfare".into(),
        brand_color: "#0b5cad".into(),
        reference: REFERENCE.into(),
        status: if zh {
            "已确认".into()
        } else {
            "Confirmed".into()
        },
        issued_at: "2026-11-25 10:02 UTC".into(),
        contact: "li.lei@example.com · +8613800138000".into(),
        flights: vec![
            FlightPart {
                title: if zh {
                    "上海 → 北京".into()
                } else {
                    "Shanghai → Beijing".into()
                },
                pnr: Some("MXQ7PL".into()),
                segments: (0..segments.div_ceil(2)).map(segment).collect(),
            },
            FlightPart {
                title: if zh {
                    "北京 → 上海".into()
                } else {
                    "Beijing → Shanghai".into()
                },
                pnr: None,
                segments: (segments.div_ceil(2)..segments).map(segment).collect(),
            },
        ],
        hotels: vec![HotelPart {
            name: if zh {
                "上海外滩华尔道夫酒店".into()
            } else {
                "Waldorf Astoria Shanghai on the Bund".into()
            },
            address: if zh {
                "中国上海市黄浦区中山东一路2号，近南京东路地铁站".into()
            } else {
                "No. 2 Zhongshan Dong Yi Road, Huangpu District, Shanghai 200002, China — five minutes \
                 on foot from East Nanjing Road metro station, entrance on the Bund side"
                    .into()
            },
            check_in: "2026-12-01 (15:00)".into(),
            check_out: "2026-12-04 (12:00)".into(),
            nights: "3".into(),
            rooms: vec![
                "Deluxe King · 2 adults · Li Lei".into(),
                "Twin Room · 1 adult · O'Brien #1 [VIP]".into(),
            ],
            confirmation: Some("WA-88231-SH".into()),
            cancellation: if zh {
                "2026年11月29日18:00前免费取消，之后收取首晚房费。".into()
            } else {
                "Free cancellation until 2026-11-29 18:00 local time; after that the first night is charged."
                    .into()
            },
            special_requests: Some(
                "High floor, late arrival ~23:00 * no feathers $ [allergy]".into(),
            ),
        }],
        passengers: vec![
            passenger(NAMES[0], "781-2345678901"),
            passenger(NAMES[1], "781-2345678902"),
            passenger(NAMES[2], "781-2345678903"),
        ],
        price_lines: vec![
            PriceLine {
                label: if zh {
                    "机票票价".into()
                } else {
                    "Base fare".into()
                },
                amount: "CNY 2,400.00".into(),
            },
            PriceLine {
                label: if zh {
                    "税费".into()
                } else {
                    "Taxes and fees".into()
                },
                amount: "CNY 300.00".into(),
            },
            PriceLine {
                label: if zh {
                    "酒店".into()
                } else {
                    "Hotel, 3 nights".into()
                },
                amount: "CNY 5,400.00".into(),
            },
            PriceLine {
                label: if zh {
                    "优惠".into()
                } else {
                    "Discount WELCOME10".into()
                },
                amount: "−CNY 810.00".into(),
            },
        ],
        total: "CNY 7,290.00".into(),
        payments: vec![PaymentLine {
            label: "Card ·· 4242, captured".into(),
            amount: "CNY 7,290.00".into(),
            at: "2026-11-25 10:01 UTC".into(),
        }],
        notes: vec![
            "Online check-in opens 24 hours before departure; arrive at the airport 2 hours early."
                .into(),
            "Passport names must match the names on the tickets.".into(),
        ],
        labels: if zh {
            chinese_labels()
        } else {
            english_labels()
        },
    }
}

fn fonts() -> Fonts {
    let start = Instant::now();
    let fonts = Fonts::discover(None).expect("font discovery");
    eprintln!("font discovery took {:?}", start.elapsed());
    match fonts.cjk_source() {
        Some(path) => eprintln!("CJK font: {} ({:?})", path.display(), fonts.cjk_family()),
        None => eprintln!("no CJK font on this machine: Chinese text is not checked"),
    }
    fonts
}

fn tool_available(tool: &str) -> bool {
    let found = Command::new(tool).arg("-v").output().is_ok();
    if !found {
        eprintln!("skipped: `{tool}` (poppler-utils) is not installed");
    }
    found
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn pages(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo").arg(pdf).output().unwrap();
    assert!(
        out.status.success(),
        "pdfinfo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = String::from_utf8(out.stdout).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"))
}

/// Renders a few times: the first render warms typst's caches; the others change a line, as the
/// next order would, so typst's memoization cannot hand back the whole previous document.
fn render_timed(it: &Itinerary, fonts: &Fonts, what: &str) -> Vec<u8> {
    let start = Instant::now();
    let pdf = render(it, fonts).expect("renders");
    let first = start.elapsed();
    assert_eq!(render(it, fonts).unwrap(), pdf, "output is deterministic");
    let runs: u32 = 5;
    let start = Instant::now();
    for run in 0..runs {
        let mut next = it.clone();
        next.contact = format!("{} · {run}", it.contact);
        next.passengers[0].name = format!("{}{run}", it.passengers[0].name);
        render(&next, fonts).unwrap();
    }
    eprintln!(
        "{what}: first render {first:?}, then {:?} each, {} bytes",
        start.elapsed() / runs,
        pdf.len()
    );
    pdf
}

fn has_subset_font(pdf: &[u8]) -> bool {
    // Subset fonts are named `/ABCDEF+Family`: six capitals and a plus.
    let embedded = contains(pdf, b"/FontFile");
    let subset = pdf
        .windows(8)
        .any(|w| w[0] == b'/' && w[1..7].iter().all(u8::is_ascii_uppercase) && w[7] == b'+');
    embedded && subset
}

/// Writes the PDF to a temporary folder, and also to `$ITINERARY_OUT_DIR` when set (to look at).
fn save(pdf: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, pdf).unwrap();
    if let Some(out) = std::env::var_os("ITINERARY_OUT_DIR") {
        std::fs::write(Path::new(&out).join(name), pdf).unwrap();
    }
    (dir, path)
}

fn check_document(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(has_subset_font(pdf), "no embedded font subset");
    // The QR code: typst draws the SVG as vector paths inside a tagged figure whose alternative
    // text is the reference (an image that failed to load would have failed the render).
    let qr_alt = format!("/Alt({REFERENCE})");
    assert!(
        contains(pdf, b"/S/Figure") && contains(pdf, qr_alt.as_bytes()),
        "no QR code figure in the PDF"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn english_itinerary_over_two_pages() {
    let fonts = fonts();
    let it = itinerary(Language::En, 12);
    let pdf = render_timed(&it, &fonts, "English, 12 segments");

    let (_dir, path) = save(&pdf, "itinerary-en.pdf");
    check_document(&pdf);
    if !tool_available("pdftotext") || !tool_available("pdfinfo") {
        return;
    }
    let text = pdftotext(&path);
    for expected in [
        REFERENCE,
        "Confirmed",
        NAMES[0],
        NAMES[1],
        "CNY 7,290.00",
        "MU 5101",
        "MU 5112",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(
        text.contains("Waldorf Astoria Shanghai on the Bund"),
        "{text}"
    );
    assert!(text.contains("[allergy]"), "{text}");
    if fonts.has_cjk() {
        assert!(
            text.contains(NAMES[2]),
            "{:?} missing from:\n{text}",
            NAMES[2]
        );
    }
    assert!(pages(&path) >= 2, "12 segments fit on one page:\n{text}");
}

#[test]
fn chinese_itinerary() {
    let fonts = fonts();
    let it = itinerary(Language::ZhCn, 12);
    let pdf = render_timed(&it, &fonts, "Chinese, 12 segments");

    let (_dir, path) = save(&pdf, "itinerary-zh.pdf");
    check_document(&pdf);
    if !tool_available("pdftotext") || !tool_available("pdfinfo") {
        return;
    }
    let text = pdftotext(&path);
    for expected in [REFERENCE, NAMES[0], NAMES[1], "CNY 7,290.00"] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    if !fonts.has_cjk() {
        eprintln!("skipped: Chinese text checks (no CJK font)");
        return;
    }
    for expected in [
        NAMES[2],
        "行程单",
        "预订编号",
        "已确认",
        "乘客",
        "上海外滩华尔道夫酒店",
        "总计",
        "取消政策",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(pages(&path) >= 2);
}

#[test]
fn short_itinerary_fits_one_page_and_omits_empty_sections() {
    let fonts = Fonts::latin_only();
    let mut it = itinerary(Language::En, 1);
    it.flights.truncate(1);
    it.hotels.clear();
    it.payments.clear();
    it.notes.clear();
    it.passengers.truncate(2);
    let pdf = render_timed(&it, &fonts, "English, 1 segment, no hotel");

    let (_dir, path) = save(&pdf, "itinerary-short.pdf");
    check_document(&pdf);
    if !tool_available("pdftotext") || !tool_available("pdfinfo") {
        return;
    }
    let text = pdftotext(&path);
    assert!(
        text.contains("Flights") && text.contains("Passengers") && text.contains("Price"),
        "{text}"
    );
    assert!(
        !text.contains("Hotels") && !text.contains("Payments"),
        "{text}"
    );
    assert_eq!(pages(&path), 1);
}

#[test]
fn long_words_and_many_passengers_flow_onto_further_pages() {
    let fonts = Fonts::latin_only();
    let mut it = itinerary(Language::En, 2);
    let long_word = format!("https://maps.example/{}", "Huangpu".repeat(30));
    it.hotels[0].address = format!("{long_word} Zhongshan Dong Yi Road");
    it.hotels[0].name = "The Waldorf Astoria Shanghai on the Bund, Heritage Building, Riverside \
                         Grand Deluxe Wing with a name long enough to wrap twice on A4"
        .into();
    it.contact =
        "a.very.long.address.without.any.space.at.all@some-travel-agency.example · +8613800138000"
            .into();
    it.passengers = (0..60)
        .map(|i| Passenger {
            name: format!("PASSENGER{i:02}/TRAVELLER MR"),
            kind: "Adult".into(),
            ticket: Some(format!("781-23456789{i:02}")),
            document: None,
        })
        .collect();
    let pdf = render_timed(&it, &fonts, "English, 60 passengers");
    let (_dir, path) = save(&pdf, "itinerary-long.pdf");
    check_document(&pdf);
    if !tool_available("pdftotext") || !tool_available("pdfinfo") {
        return;
    }
    let text = pdftotext(&path);
    for i in [0, 31, 59] {
        let name = format!("PASSENGER{i:02}/TRAVELLER MR");
        assert!(text.contains(&name), "{name} missing from:\n{text}");
    }
    // The 200-letter word breaks across lines, with nothing but line breaks added.
    let address: String = text.split_whitespace().collect();
    assert!(address.contains(&long_word), "{text}");
    assert!(!text.contains('\u{200b}'), "zero-width spaces in the text");
    assert!(pages(&path) >= 3);
}
