//! Pictures we draw ourselves, so hotel pages need no photo library and no network: each
//! hotel's gallery (SVG scenes built deterministically from its id, stars, themes and
//! amenities) and the map plot of hotel pins in Web Mercator, which the page's script may lay
//! over raster tiles when a tile server is configured.

use std::fmt::Write as _;

use wayfare_domain::hotel::{Amenities, Amenity, Theme, Themes};

/// Photos in every hotel's gallery: outside, a room, the lobby, a view or the pool, the bath.
pub const PHOTO_COUNT: usize = 5;

/// What a photo is of, for its alt text (`hotels-photo-<kind>`).
pub fn photo_kind(n: usize, themes: Themes, amenities: Amenities) -> &'static str {
    match n {
        0 => "exterior",
        1 => "room",
        2 => "lobby",
        3 if has_pool(themes, amenities) => "pool",
        3 => "view",
        _ => "bathroom",
    }
}

fn has_pool(themes: Themes, amenities: Amenities) -> bool {
    amenities.contains(Amenity::Pool)
        || themes.contains(Theme::Resort)
        || themes.contains(Theme::Beach)
}

/// A small deterministic generator (SplitMix64) seeded from the hotel id and the photo.
struct Dice(u64);

impl Dice {
    fn new(id: &str, n: usize) -> Dice {
        // FNV-1a of the id, then the photo number mixed in.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Dice(h ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A whole number in `lo..=hi`.
    fn int(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next() % u64::from(hi - lo + 1)) as u32
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.int(1, 100) <= percent
    }
}

/// Colours for one hotel: the same in every photo of it.
struct Palette {
    wall: &'static str,
    accent: &'static str,
    wood: &'static str,
    fabric: &'static str,
}

const WALLS: &[&str] = &[
    "#e9e2d6", "#dfe6ea", "#efe7dc", "#e4e0ea", "#e7ecdf", "#f0e4d7",
];
const ACCENTS: &[&str] = &[
    "#0b5cad", "#a4452c", "#2f7d5b", "#7a4f9a", "#b8862b", "#1f6f78",
];
const WOODS: &[&str] = &["#8a5a3c", "#6e4a33", "#a57548", "#5c4033", "#b08860"];
const FABRICS: &[&str] = &["#f7f3ec", "#ffffff", "#eef1f4", "#f4efe6"];

fn palette(id: &str) -> Palette {
    let mut d = Dice::new(id, 99);
    Palette {
        wall: d.pick(WALLS),
        accent: d.pick(ACCENTS),
        wood: d.pick(WOODS),
        fabric: d.pick(FABRICS),
    }
}

/// The hotel's `n`th photo as an SVG document (400 × 300, no text in it).
pub fn photo_svg(id: &str, n: usize, stars: u8, themes: Themes, amenities: Amenities) -> String {
    let mut d = Dice::new(id, n);
    let p = palette(id);
    let mut s = String::with_capacity(4096);
    s.push_str(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 400 300\" width=\"800\" \
         height=\"600\" preserveAspectRatio=\"xMidYMid slice\">",
    );
    match photo_kind(n, themes, amenities) {
        "exterior" => exterior(&mut s, &mut d, &p, stars, themes),
        "room" => room(&mut s, &mut d, &p, stars),
        "lobby" => lobby(&mut s, &mut d, &p, stars),
        "pool" => pool(&mut s, &mut d, &p, themes),
        "view" => view(&mut s, &mut d, &p, themes),
        _ => bathroom(&mut s, &mut d, &p, stars),
    }
    s.push_str("</svg>");
    s
}

fn sky(s: &mut String, d: &mut Dice, themes: Themes) {
    let (top, bottom) = if themes.contains(Theme::Beach) || themes.contains(Theme::Resort) {
        ("#4aa3df", "#bfe6fb")
    } else if themes.contains(Theme::Ski) {
        ("#8fb8de", "#e8f1f8")
    } else {
        d.pick(&[
            ("#5b9bd5", "#d6ebfa"),
            ("#f29e6d", "#fde3c8"),
            ("#36507a", "#9fb5d6"),
            ("#7fb3e0", "#eef6fc"),
        ])
    };
    let _ = write!(
        s,
        "<defs><linearGradient id=\"sky\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">\
         <stop offset=\"0\" stop-color=\"{top}\"/><stop offset=\"1\" stop-color=\"{bottom}\"/>\
         </linearGradient></defs><rect width=\"400\" height=\"300\" fill=\"url(#sky)\"/>"
    );
    let sun_x = d.int(40, 360);
    let _ = write!(
        s,
        "<circle cx=\"{sun_x}\" cy=\"{}\" r=\"18\" fill=\"#fff4c2\" opacity=\".85\"/>",
        d.int(30, 70)
    );
    for _ in 0..d.int(1, 3) {
        let (x, y) = (d.int(0, 360), d.int(20, 90));
        let _ = write!(
            s,
            "<g fill=\"#fff\" opacity=\".7\"><ellipse cx=\"{x}\" cy=\"{y}\" rx=\"26\" ry=\"9\"/>\
             <ellipse cx=\"{}\" cy=\"{}\" rx=\"16\" ry=\"9\"/></g>",
            x + 14,
            y - 6
        );
    }
}

fn palm(s: &mut String, x: u32, ground: u32, h: u32) {
    let top = ground - h;
    let _ = write!(
        s,
        "<path d=\"M{x} {ground} Q{} {} {} {top}\" stroke=\"#7a5a3a\" stroke-width=\"5\" \
         fill=\"none\"/><g fill=\"#2f8f4e\">\
         <path d=\"M{} {top} q-30 -4 -40 14 q18 -14 40 -14z\"/>\
         <path d=\"M{} {top} q30 -4 40 14 q-18 -14 -40 -14z\"/>\
         <path d=\"M{} {top} q-18 -22 -34 -20 q18 4 34 20z\"/>\
         <path d=\"M{} {top} q18 -22 34 -20 q-18 4 -34 20z\"/></g>",
        x + 6,
        ground - h / 2,
        x + 4,
        x + 4,
        x + 4,
        x + 4,
        x + 4
    );
}

fn tree(s: &mut String, x: u32, ground: u32, r: u32) {
    let _ = write!(
        s,
        "<rect x=\"{}\" y=\"{}\" width=\"6\" height=\"{}\" fill=\"#6b4a2f\"/>\
         <circle cx=\"{x}\" cy=\"{}\" r=\"{r}\" fill=\"#3f8a4a\"/>",
        x - 3,
        ground - r,
        r,
        ground - r - r / 2
    );
}

fn windows(
    s: &mut String,
    d: &mut Dice,
    (x0, y0): (u32, u32),
    (cols, rows): (u32, u32),
    (w, h): (u32, u32),
    gap: u32,
) {
    s.push_str("<g>");
    for r in 0..rows {
        for c in 0..cols {
            let lit = d.chance(35);
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{w}\" height=\"{h}\" rx=\"1\" fill=\"{}\"/>",
                x0 + c * (w + gap),
                y0 + r * (h + gap),
                if lit { "#ffe9a8" } else { "#9fc3e0" }
            );
        }
    }
    s.push_str("</g>");
}

fn exterior(s: &mut String, d: &mut Dice, p: &Palette, stars: u8, themes: Themes) {
    sky(s, d, themes);
    let ground = 250;
    if themes.contains(Theme::Ski) {
        s.push_str(
            "<path d=\"M0 200 L80 110 L140 170 L220 80 L300 160 L360 120 L400 150 L400 260 L0 260z\" \
             fill=\"#8aa0b8\"/><path d=\"M80 110 L100 132 L90 130 L70 122z M220 80 L246 110 L226 104 \
             L204 98z\" fill=\"#fff\"/>",
        );
    }
    let seaside = themes.contains(Theme::Beach) || themes.contains(Theme::Resort);
    if seaside {
        s.push_str("<rect y=\"205\" width=\"400\" height=\"45\" fill=\"#2d8cc4\"/>");
    }
    let small = themes.contains(Theme::Homestay) || themes.contains(Theme::Hostel);
    let fill = d.pick(&["#d9d4cc", "#c9d3dd", "#e6dccb", "#b9c4cf", "#efe9df"]);
    if small {
        // A house with a pitched roof.
        let _ = write!(
            s,
            "<rect x=\"120\" y=\"150\" width=\"160\" height=\"100\" fill=\"{fill}\"/>\
             <path d=\"M108 152 L200 92 L292 152z\" fill=\"{}\"/>\
             <rect x=\"185\" y=\"200\" width=\"30\" height=\"50\" fill=\"{}\"/>",
            p.accent, p.wood
        );
        windows(s, d, (135, 170), (2, 1), (26, 22), 90);
    } else if seaside && stars >= 3 {
        // A low, wide resort building.
        let floors = 2 + u32::from(stars.min(5)) / 2;
        let top = ground - floors * 26 - 10;
        let _ = write!(
            s,
            "<rect x=\"40\" y=\"{top}\" width=\"320\" height=\"{}\" fill=\"{fill}\"/>\
             <rect x=\"34\" y=\"{}\" width=\"332\" height=\"8\" fill=\"{}\"/>",
            ground - top,
            top - 6,
            p.accent
        );
        windows(s, d, (54, top + 10), (12, floors), (18, 16), 8);
        palm(s, 20, ground, 90);
        palm(s, 370, ground, 80);
    } else {
        // A tower: taller with more stars.
        let floors = 4 + u32::from(stars.max(1)) * 2 + d.int(0, 3);
        let width = d.int(110, 170);
        let x = 200 - width / 2;
        let top = ground.saturating_sub(floors * 14 + 16).max(20);
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{top}\" width=\"{width}\" height=\"{}\" fill=\"{fill}\"/>\
             <rect x=\"{x}\" y=\"{top}\" width=\"{width}\" height=\"6\" fill=\"{}\"/>",
            ground - top,
            p.accent
        );
        let cols = (width - 12) / 18;
        let rows = (ground - top - 44) / 14;
        windows(s, d, (x + 8, top + 12), (cols, rows), (12, 9), 6);
        // Neighbours.
        let _ = write!(
            s,
            "<rect x=\"10\" y=\"{}\" width=\"{}\" height=\"250\" fill=\"#a9b4c0\" opacity=\".7\"/>\
             <rect x=\"{}\" y=\"{}\" width=\"90\" height=\"250\" fill=\"#b6bfca\" opacity=\".7\"/>",
            d.int(120, 190),
            x.saturating_sub(20).max(30),
            x + width + 12,
            d.int(140, 200)
        );
        tree(s, 60, ground, 16);
        tree(s, 340, ground, 18);
    }
    // Entrance and canopy; a gold band for five stars.
    let _ = write!(
        s,
        "<rect x=\"176\" y=\"{}\" width=\"48\" height=\"32\" fill=\"#3c4a5a\"/>\
         <rect x=\"164\" y=\"{}\" width=\"72\" height=\"7\" rx=\"2\" fill=\"{}\"/>",
        ground - 32,
        ground - 38,
        if stars >= 5 { "#c9a227" } else { p.accent }
    );
    let _ = write!(
        s,
        "<rect y=\"{ground}\" width=\"400\" height=\"50\" fill=\"{}\"/>\
         <rect y=\"{}\" width=\"400\" height=\"4\" fill=\"#00000022\"/>",
        if seaside { "#e9d8a6" } else { "#8d969e" },
        ground
    );
}

fn room(s: &mut String, d: &mut Dice, p: &Palette, stars: u8) {
    let _ = write!(
        s,
        "<rect width=\"400\" height=\"300\" fill=\"{}\"/>\
         <rect y=\"215\" width=\"400\" height=\"85\" fill=\"{}\"/>\
         <rect x=\"250\" y=\"40\" width=\"120\" height=\"110\" fill=\"#bfe0f5\" stroke=\"#fff\" \
         stroke-width=\"6\"/><rect x=\"240\" y=\"34\" width=\"20\" height=\"150\" fill=\"{}\" \
         opacity=\".85\"/>",
        p.wall, p.wood, p.accent
    );
    // Headboard, bed, pillows, throw.
    let wide = stars >= 4;
    let (bx, bw) = if wide { (40, 200) } else { (60, 160) };
    let _ = write!(
        s,
        "<rect x=\"{bx}\" y=\"120\" width=\"{bw}\" height=\"70\" rx=\"6\" fill=\"{}\"/>\
         <rect x=\"{}\" y=\"175\" width=\"{}\" height=\"60\" rx=\"6\" fill=\"{}\"/>\
         <rect x=\"{}\" y=\"160\" width=\"{}\" height=\"26\" rx=\"8\" fill=\"#fff\"/>\
         <rect x=\"{}\" y=\"160\" width=\"{}\" height=\"26\" rx=\"8\" fill=\"#fff\"/>\
         <rect x=\"{}\" y=\"212\" width=\"{}\" height=\"16\" fill=\"{}\"/>",
        p.wood,
        bx - 6,
        bw + 12,
        p.fabric,
        bx + 10,
        bw / 2 - 16,
        bx + bw / 2 + 6,
        bw / 2 - 16,
        bx - 6,
        bw + 12,
        p.accent
    );
    // Bedside lamp and a picture.
    let _ = write!(
        s,
        "<rect x=\"{}\" y=\"190\" width=\"26\" height=\"30\" fill=\"{}\"/>\
         <path d=\"M{} 160 h22 l-5 -20 h-12z\" fill=\"#fff6d6\"/>\
         <rect x=\"{}\" y=\"60\" width=\"{}\" height=\"40\" fill=\"{}\" opacity=\".6\"/>",
        bx + bw + 10,
        p.wood,
        bx + bw + 12,
        bx + 30,
        bw - 60,
        d.pick(&["#e8c07d", "#9cc3a5", "#c9a3c9", "#a3bfd9"])
    );
    if stars >= 5 {
        s.push_str(
            "<rect x=\"300\" y=\"190\" width=\"70\" height=\"40\" rx=\"10\" fill=\"#c9a227\" opacity=\".8\"/>",
        );
    }
}

fn lobby(s: &mut String, d: &mut Dice, p: &Palette, stars: u8) {
    let _ = write!(
        s,
        "<rect width=\"400\" height=\"300\" fill=\"{}\"/>\
         <rect y=\"200\" width=\"400\" height=\"100\" fill=\"#d8d2c8\"/>",
        p.wall
    );
    for i in 0..8 {
        let _ = write!(
            s,
            "<path d=\"M{} 200 L{} 300\" stroke=\"#bdb5a8\" stroke-width=\"1\"/>",
            50 * i + 25,
            (i - 4) * 90 + 200
        );
    }
    // Reception desk with a counter light.
    let _ = write!(
        s,
        "<rect x=\"110\" y=\"150\" width=\"180\" height=\"60\" rx=\"4\" fill=\"{}\"/>\
         <rect x=\"110\" y=\"146\" width=\"180\" height=\"8\" fill=\"{}\"/>\
         <rect x=\"140\" y=\"70\" width=\"120\" height=\"50\" fill=\"{}\" opacity=\".35\"/>",
        p.wood, p.accent, p.accent
    );
    if stars >= 4 {
        // A chandelier.
        s.push_str(
            "<path d=\"M200 0 V30\" stroke=\"#8a7a55\" stroke-width=\"2\"/>\
             <ellipse cx=\"200\" cy=\"40\" rx=\"40\" ry=\"12\" fill=\"#f5e6a8\"/>\
             <g fill=\"#fff8d8\"><circle cx=\"170\" cy=\"50\" r=\"4\"/><circle cx=\"185\" cy=\"54\" r=\"4\"/>\
             <circle cx=\"200\" cy=\"56\" r=\"4\"/><circle cx=\"215\" cy=\"54\" r=\"4\"/>\
             <circle cx=\"230\" cy=\"50\" r=\"4\"/></g>",
        );
    } else {
        s.push_str(
            "<rect x=\"0\" y=\"0\" width=\"400\" height=\"10\" fill=\"#fff\" opacity=\".5\"/>",
        );
    }
    // Plants in pots and a sofa.
    for x in [40u32, 350] {
        let _ = write!(
            s,
            "<rect x=\"{}\" y=\"190\" width=\"24\" height=\"26\" fill=\"{}\"/>\
             <circle cx=\"{x}\" cy=\"172\" r=\"22\" fill=\"#3f8a4a\"/>",
            x - 12,
            p.wood
        );
    }
    let _ = write!(
        s,
        "<rect x=\"{}\" y=\"225\" width=\"90\" height=\"30\" rx=\"8\" fill=\"{}\"/>",
        d.int(20, 60),
        p.accent
    );
}

fn pool(s: &mut String, d: &mut Dice, p: &Palette, themes: Themes) {
    sky(s, d, themes);
    s.push_str(
        "<rect y=\"150\" width=\"400\" height=\"150\" fill=\"#e9dfc8\"/>\
         <path d=\"M40 190 H360 L380 280 H20z\" fill=\"#3fb0d9\"/>\
         <path d=\"M60 215 q20 -6 40 0 t40 0 t40 0 M200 245 q20 -6 40 0 t40 0 t40 0\" \
         stroke=\"#bfeaf7\" stroke-width=\"3\" fill=\"none\"/>",
    );
    for i in 0..3u32 {
        let _ = write!(
            s,
            "<path d=\"M{} 170 l40 0 l10 -14\" stroke=\"{}\" stroke-width=\"6\" fill=\"none\" \
             stroke-linecap=\"round\"/>",
            60 + i * 110,
            p.accent
        );
    }
    palm(s, 20, 175, 110);
    palm(s, 380, 175, 95);
    let umbrella = d.int(120, 280);
    let _ = write!(
        s,
        "<path d=\"M{umbrella} 120 v55\" stroke=\"#555\" stroke-width=\"2\"/>\
         <path d=\"M{} 124 a24 16 0 0 1 48 0z\" fill=\"{}\"/>",
        umbrella - 24,
        p.accent
    );
}

fn view(s: &mut String, d: &mut Dice, p: &Palette, themes: Themes) {
    sky(s, d, themes);
    // A skyline seen from a window.
    let mut x = 0;
    s.push_str("<g fill=\"#5d6f86\">");
    while x < 400 {
        let w = d.int(24, 48);
        let h = d.int(60, 170);
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{h}\"/>",
            240 - h
        );
        x += w + d.int(2, 8);
    }
    s.push_str("</g><rect y=\"240\" width=\"400\" height=\"60\" fill=\"#44556b\"/>");
    let _ = write!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"400\" height=\"300\" fill=\"none\" stroke=\"{}\" \
         stroke-width=\"22\"/><rect x=\"196\" y=\"0\" width=\"8\" height=\"300\" fill=\"{}\"/>\
         <rect y=\"262\" width=\"400\" height=\"38\" fill=\"{}\"/>",
        p.wall, p.wall, p.wood
    );
}

fn bathroom(s: &mut String, d: &mut Dice, p: &Palette, stars: u8) {
    let tile = d.pick(&["#e6eef2", "#f1ece4", "#e4e7ea", "#eae4ee"]);
    let _ = write!(
        s,
        "<rect width=\"400\" height=\"300\" fill=\"{tile}\"/>\
         <path d=\"M0 60 H400 M0 120 H400 M0 180 H400 M100 0 V220 M200 0 V220 M300 0 V220\" \
         stroke=\"#ffffff\" stroke-width=\"2\"/><rect y=\"220\" width=\"400\" height=\"80\" \
         fill=\"#cfc8bd\"/>\
         <rect x=\"230\" y=\"40\" width=\"120\" height=\"90\" rx=\"6\" fill=\"#d9eef7\" \
         stroke=\"#b9c4cc\" stroke-width=\"4\"/>\
         <rect x=\"225\" y=\"150\" width=\"130\" height=\"60\" fill=\"{}\"/>\
         <ellipse cx=\"290\" cy=\"152\" rx=\"40\" ry=\"8\" fill=\"#fff\"/>",
        p.wood
    );
    if stars >= 4 {
        s.push_str(
            "<path d=\"M30 170 H200 V200 a30 30 0 0 1 -30 30 H60 a30 30 0 0 1 -30 -30z\" \
             fill=\"#fff\" stroke=\"#c9d2d8\" stroke-width=\"3\"/>\
             <path d=\"M60 170 V120 h16\" stroke=\"#9aa6ae\" stroke-width=\"4\" fill=\"none\"/>",
        );
    } else {
        s.push_str(
            "<rect x=\"40\" y=\"30\" width=\"120\" height=\"190\" fill=\"#e7f4fa\" opacity=\".8\" \
             stroke=\"#b9c4cc\" stroke-width=\"3\"/><circle cx=\"100\" cy=\"60\" r=\"10\" \
             fill=\"#9aa6ae\"/>",
        );
    }
    let _ = write!(
        s,
        "<rect x=\"200\" y=\"230\" width=\"60\" height=\"14\" rx=\"4\" fill=\"{}\"/>",
        p.accent
    );
}

// ------------------------------------------------------------------ map plot

/// A longitude and latitude as a Web Mercator fraction of the world (0 … 1 from the
/// north-west corner).
pub fn mercator(lat: f64, lng: f64) -> (f64, f64) {
    let lat = lat.clamp(-85.051_128, 85.051_128).to_radians();
    let x = (lng + 180.0) / 360.0;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0;
    (x, y)
}

/// The latitude and longitude of a Web Mercator fraction.
pub fn unmercator(x: f64, y: f64) -> (f64, f64) {
    let n = std::f64::consts::PI * (1.0 - 2.0 * y);
    (n.sinh().atan().to_degrees(), x * 360.0 - 180.0)
}

/// A map box: west, south, east, north in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Extent {
    /// A box of `km` around a point.
    pub fn around(lat: f64, lng: f64, km: f64) -> Extent {
        let dlat = km / 111.0;
        let dlng = km / (111.0 * lat.to_radians().cos().max(0.05));
        Extent {
            west: (lng - dlng).max(-180.0),
            south: (lat - dlat).max(-85.0),
            east: (lng + dlng).min(180.0),
            north: (lat + dlat).min(85.0),
        }
    }

    /// The smallest box holding every point, or `None` for no points.
    pub fn of(points: impl IntoIterator<Item = (f64, f64)>) -> Option<Extent> {
        let mut e: Option<Extent> = None;
        for (lat, lng) in points {
            e = Some(match e {
                None => Extent {
                    west: lng,
                    south: lat,
                    east: lng,
                    north: lat,
                },
                Some(e) => Extent {
                    west: e.west.min(lng),
                    south: e.south.min(lat),
                    east: e.east.max(lng),
                    north: e.north.max(lat),
                },
            });
        }
        e
    }

    /// The box of the middle of the points (from the `trim` fraction to `1 - trim` in each
    /// direction), so a few far-off hotels don't shrink the rest to a dot.
    pub fn of_most(points: &[(f64, f64)], trim: f64) -> Option<Extent> {
        if points.is_empty() {
            return None;
        }
        let mut lats: Vec<f64> = points.iter().map(|p| p.0).collect();
        let mut lngs: Vec<f64> = points.iter().map(|p| p.1).collect();
        lats.sort_by(f64::total_cmp);
        lngs.sort_by(f64::total_cmp);
        let at = |v: &[f64], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Some(Extent {
            west: at(&lngs, trim),
            south: at(&lats, trim),
            east: at(&lngs, 1.0 - trim),
            north: at(&lats, 1.0 - trim),
        })
    }

    /// `west,south,east,north` with five decimals, as links carry it.
    pub fn to_param(self) -> String {
        format!(
            "{:.5},{:.5},{:.5},{:.5}",
            self.west, self.south, self.east, self.north
        )
    }

    /// Reads `west,south,east,north`; a box that is not one is `None`.
    pub fn parse(s: &str) -> Option<Extent> {
        let v: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .ok()?;
        let [west, south, east, north] = v.as_slice() else {
            return None;
        };
        let ok = v.iter().all(|x| x.is_finite())
            && (-180.0..=180.0).contains(west)
            && (-180.0..=180.0).contains(east)
            && (-85.0..=85.0).contains(south)
            && (-85.0..=85.0).contains(north)
            && west < east
            && south < north;
        ok.then_some(Extent {
            west: *west,
            south: *south,
            east: *east,
            north: *north,
        })
    }

    /// A box `factor` times the size of this one, centred on a point (a closer look there).
    pub fn zoomed_at(self, lat: f64, lng: f64, factor: f64) -> Extent {
        let (x0, y0) = mercator(self.north, self.west);
        let (x1, y1) = mercator(self.south, self.east);
        let (cx, cy) = mercator(lat, lng);
        let (hw, hh) = ((x1 - x0) * factor / 2.0, (y1 - y0) * factor / 2.0);
        let (north, west) = unmercator((cx - hw).max(0.0), (cy - hh).max(0.0));
        let (south, east) = unmercator((cx + hw).min(1.0), (cy + hh).min(1.0));
        Extent {
            west,
            south,
            east,
            north,
        }
    }
}

/// One marker on the plot, in plot units, with its position for a tiled map.
#[derive(Debug, Clone)]
pub struct PlotMarker {
    /// `hotel`, `cluster`, `here` (the hotel whose page it is) or `centre`.
    pub kind: &'static str,
    pub x: String,
    pub y: String,
    pub lat: String,
    pub lng: String,
    /// A price on a hotel, a count on a cluster, a name on the centre.
    pub label: String,
    /// What the marker stands for, in words (its tooltip and accessible name).
    pub title: String,
    pub href: Option<String>,
    /// Cluster radius, or a label's width.
    pub size: String,
    /// Half a label's width.
    pub half: String,
    pub hotel_id: String,
}

/// A plot of markers over a box, in a `width` × `height` drawing.
#[derive(Debug, Clone)]
pub struct MapPlot {
    pub width: u32,
    pub height: u32,
    pub extent: Extent,
    /// The tile zoom that shows the box at about the drawing's width.
    pub zoom: u8,
    pub markers: Vec<PlotMarker>,
    /// Light guide lines, as SVG path data.
    pub grid: String,
}

/// Plot widths: a results map, and the small map on a hotel's page. Phones scale the drawing
/// down, so labels are sized for these widths.
pub const PLOT_WIDTH: u32 = 480;
pub const SMALL_PLOT_WIDTH: u32 = 320;

impl MapPlot {
    /// A plot of `extent`, widened so the drawing's height is between half and four fifths of
    /// its width, and padded so markers at the edge stay whole.
    pub fn new(extent: Extent, width: u32) -> MapPlot {
        let (x0, y0) = mercator(extent.north, extent.west);
        let (x1, y1) = mercator(extent.south, extent.east);
        let (mut dx, mut dy) = ((x1 - x0).max(1e-6), (y1 - y0).max(1e-6));
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        dx *= 1.16;
        dy *= 1.16;
        if dy < dx * 0.5 {
            dy = dx * 0.5;
        } else if dy > dx * 0.8 {
            dx = dy / 0.8;
        }
        let (north, west) = unmercator(cx - dx / 2.0, cy - dy / 2.0);
        let (south, east) = unmercator(cx + dx / 2.0, cy + dy / 2.0);
        let height = (f64::from(width) * dy / dx).round() as u32;
        let zoom = (f64::from(width) / (256.0 * dx))
            .log2()
            .floor()
            .clamp(1.0, 18.0) as u8;
        let mut grid = String::new();
        for i in 1..8 {
            let x = f64::from(width) * f64::from(i) / 8.0;
            let _ = write!(grid, "M{x:.0} 0V{height}");
        }
        for i in 1..6 {
            let y = f64::from(height) * f64::from(i) / 6.0;
            let _ = write!(grid, "M0 {y:.0}H{width}");
        }
        MapPlot {
            width,
            height,
            extent: Extent {
                west,
                south,
                east,
                north,
            },
            zoom,
            markers: Vec::new(),
            grid,
        }
    }

    /// Where a point falls on the drawing.
    pub fn project(&self, lat: f64, lng: f64) -> (f64, f64) {
        let (x0, y0) = mercator(self.extent.north, self.extent.west);
        let (x1, y1) = mercator(self.extent.south, self.extent.east);
        let (x, y) = mercator(lat, lng);
        (
            (x - x0) / (x1 - x0) * f64::from(self.width),
            (y - y0) / (y1 - y0) * f64::from(self.height),
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        kind: &'static str,
        (lat, lng): (f64, f64),
        label: String,
        title: String,
        href: Option<String>,
        count: u32,
        hotel_id: String,
    ) {
        let (x, y) = self.project(lat, lng);
        let size = match kind {
            "cluster" => 13.0 + 3.5 * f64::from(count.max(1)).log2(),
            // Labels: about 7.5 units a character (CJK wider) and a margin.
            _ => {
                label
                    .chars()
                    .map(|c| if c.is_ascii() { 7.5 } else { 13.0 })
                    .sum::<f64>()
                    + 14.0
            }
        };
        self.markers.push(PlotMarker {
            kind,
            x: format!("{x:.1}"),
            y: format!("{y:.1}"),
            lat: format!("{lat:.6}"),
            lng: format!("{lng:.6}"),
            label,
            title,
            href,
            size: format!("{size:.1}"),
            half: format!("{:.1}", size / 2.0),
            hotel_id,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_are_deterministic_and_differ_between_hotels() {
        let a = photo_svg("bh_1", 0, 4, Themes::EMPTY, Amenities::EMPTY);
        assert_eq!(a, photo_svg("bh_1", 0, 4, Themes::EMPTY, Amenities::EMPTY));
        assert_ne!(a, photo_svg("bh_2", 0, 4, Themes::EMPTY, Amenities::EMPTY));
        for n in 0..PHOTO_COUNT {
            let resort = Themes::EMPTY.with(Theme::Resort);
            let svg = photo_svg("bh_7", n, 5, resort, Amenities::EMPTY);
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("NaN"));
        }
        assert_eq!(
            photo_kind(3, Themes::EMPTY.with(Theme::Beach), Amenities::EMPTY),
            "pool"
        );
        assert_eq!(photo_kind(3, Themes::EMPTY, Amenities::EMPTY), "view");
    }

    #[test]
    fn mercator_round_trips_and_plots_fit_the_drawing() {
        let (x, y) = mercator(31.23, 121.47);
        let (lat, lng) = unmercator(x, y);
        assert!((lat - 31.23).abs() < 1e-9 && (lng - 121.47).abs() < 1e-9);
        let plot = MapPlot::new(Extent::around(31.23, 121.47, 10.0), PLOT_WIDTH);
        assert!(plot.height >= plot.width / 2 && plot.height <= plot.width * 4 / 5);
        let (px, py) = plot.project(31.23, 121.47);
        assert!((px - 240.0).abs() < 1.0 && (py - f64::from(plot.height) / 2.0).abs() < 1.0);
        assert!((9..=12).contains(&plot.zoom), "{}", plot.zoom);
        let e = Extent::parse("121.1,31.0,121.9,31.5").unwrap();
        assert_eq!(Extent::parse(&e.to_param()), Some(e));
        assert!(Extent::parse("121,31,120,32").is_none());
        assert!(Extent::parse("a,b,c,d").is_none());
    }
}
