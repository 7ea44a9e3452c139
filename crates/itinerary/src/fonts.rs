//! The fonts an itinerary embeds: Liberation Sans shipped in the crate, and a CJK face found once
//! (configured path or the system's font folders) and kept in memory for every render.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

use crate::ItineraryError;

/// Latin text: Liberation Sans 2.1.5 (SIL OFL 1.1, see `assets/fonts/LICENSE-OFL.txt`). Shipped in
/// the crate because typst's own bundled fonts are serif and maths faces, and because a document
/// must not look different on a machine with other system fonts.
const LATIN_REGULAR: &[u8] = include_bytes!("../assets/fonts/LiberationSans-Regular.ttf");
const LATIN_BOLD: &[u8] = include_bytes!("../assets/fonts/LiberationSans-Bold.ttf");

/// Simplified-only characters (程 and 行 are shared, 单 and 认 are not traditional forms): a face
/// that has all of them can set Simplified Chinese.
const CJK_PROBE: &str = "行程单确认";

/// Font files tried first, in this order, before any other font found in the folders.
const KNOWN_CJK_FILES: &[&str] = &[
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "NotoSansSC-Regular.otf",
    "NotoSerifCJK-Regular.ttc",
    "NotoSerifCJKsc-Regular.otf",
    "SourceHanSansSC-Regular.otf",
    "SourceHanSansCN-Regular.otf",
    "SourceHanSans-Regular.ttc",
];

/// Files deeper than this below a font folder are not looked at (and symlink loops end).
const MAX_DEPTH: usize = 8;

/// The fonts the renderer embeds. Cheap to clone (one `Arc`); load once at start-up.
#[derive(Clone)]
pub struct Fonts {
    inner: Arc<FontSet>,
}

pub(crate) struct FontSet {
    pub(crate) fonts: Vec<Font>,
    pub(crate) book: LazyHash<FontBook>,
    pub(crate) latin_family: String,
    cjk: Option<CjkFace>,
}

struct CjkFace {
    path: PathBuf,
    family: String,
}

impl Fonts {
    /// Latin fonts always (embedded in the crate); a CJK font from `configured` (a .ttf/.otf/.ttc
    /// path; in a collection the face that covers Simplified Chinese) else searched in the
    /// system font folders. A configured path that does not exist, is not a font or has no face
    /// covering Simplified Chinese is an error; finding none in the system folders is not
    /// ([`Fonts::has_cjk`] is then false).
    pub fn discover(configured: Option<&Path>) -> Result<Fonts, ItineraryError> {
        Self::discover_in(configured, &system_font_dirs())
    }

    /// [`Fonts::discover`] with the folders to search given.
    pub fn discover_in(
        configured: Option<&Path>,
        dirs: &[PathBuf],
    ) -> Result<Fonts, ItineraryError> {
        let cjk = match configured {
            Some(path) => Some(load_configured(path)?),
            None => search_cjk(dirs),
        };
        Ok(Self::assemble(cjk))
    }

    /// Only the embedded Latin fonts: documents in English, no I/O at all.
    pub fn latin_only() -> Fonts {
        Self::assemble(None)
    }

    fn assemble(cjk: Option<(Font, PathBuf)>) -> Fonts {
        let mut fonts: Vec<Font> = [LATIN_REGULAR, LATIN_BOLD]
            .into_iter()
            .map(|data| {
                Font::new(Bytes::new(data), 0).expect("the embedded Liberation Sans parses")
            })
            .collect();
        let latin_family = fonts[0].info().family.clone();
        let cjk = cjk.map(|(font, path)| {
            let family = font.info().family.clone();
            tracing::info!(path = %path.display(), %family, "CJK font for itineraries");
            fonts.push(font);
            CjkFace { path, family }
        });
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        Fonts {
            inner: Arc::new(FontSet {
                fonts,
                book,
                latin_family,
                cjk,
            }),
        }
    }

    /// Whether Chinese can be set; without it a Chinese itinerary prints empty boxes.
    pub fn has_cjk(&self) -> bool {
        self.inner.cjk.is_some()
    }

    /// The file the CJK face was read from.
    pub fn cjk_source(&self) -> Option<&Path> {
        self.inner.cjk.as_ref().map(|c| c.path.as_path())
    }

    /// The family name of the CJK face, e.g. "WenQuanYi Micro Hei".
    pub fn cjk_family(&self) -> Option<&str> {
        self.inner.cjk.as_ref().map(|c| c.family.as_str())
    }

    pub(crate) fn set(&self) -> &FontSet {
        &self.inner
    }
}

impl fmt::Debug for Fonts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fonts")
            .field("latin", &self.inner.latin_family)
            .field("cjk_family", &self.cjk_family())
            .field("cjk_source", &self.cjk_source())
            .finish()
    }
}

impl FontSet {
    /// Family names in the order typst should try them for `language`. The CJK face has Latin
    /// glyphs too, so Latin goes first and keeps Latin text in Liberation Sans.
    pub(crate) fn families(&self) -> Vec<&str> {
        let mut families = vec![self.latin_family.as_str()];
        families.extend(self.cjk.as_ref().map(|c| c.family.as_str()));
        families
    }

    pub(crate) fn has_cjk(&self) -> bool {
        self.cjk.is_some()
    }
}

fn load_configured(path: &Path) -> Result<(Font, PathBuf), ItineraryError> {
    let data = std::fs::read(path).map_err(|e| {
        ItineraryError::Font(format!("cannot read CJK font {}: {e}", path.display()))
    })?;
    let faces: Vec<Font> = Font::iter(Bytes::new(data)).collect();
    if faces.is_empty() {
        return Err(ItineraryError::Font(format!(
            "{} is not a font",
            path.display()
        )));
    }
    match simplified_chinese_face(faces) {
        Some(font) => Ok((font, path.to_path_buf())),
        None => Err(ItineraryError::Font(format!(
            "{} has no face covering Simplified Chinese",
            path.display()
        ))),
    }
}

/// The face of a font file (or collection) best suited to Simplified Chinese, if any covers it.
fn simplified_chinese_face(faces: impl IntoIterator<Item = Font>) -> Option<Font> {
    faces
        .into_iter()
        .filter(|font| {
            let coverage = &font.info().coverage;
            CJK_PROBE.chars().all(|c| coverage.contains(c as u32))
        })
        // Collections hold one face per region (Noto/Source Han: JP, KR, SC, TC, HK) or a
        // monospaced twin (WenQuanYi): prefer the one named for mainland China, then proportional.
        // `max_by_key` keeps the last of equals, so rank by position too to keep the first.
        .enumerate()
        .max_by_key(|(position, font)| {
            (face_rank(&font.info().family), std::cmp::Reverse(*position))
        })
        .map(|(_, font)| font)
}

fn face_rank(family: &str) -> u8 {
    let simplified = family
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| matches!(word, "SC" | "CN" | "GB" | "Hans" | "Simplified"));
    let mono = family.contains("Mono");
    u8::from(simplified) * 2 + u8::from(!mono)
}

fn search_cjk(dirs: &[PathBuf]) -> Option<(Font, PathBuf)> {
    let mut files = Vec::new();
    for dir in dirs {
        collect_font_files(dir, 0, &mut files);
    }
    files.sort();
    files.dedup();

    let file_name = |path: &Path| {
        path.file_name()
            .and_then(|n| n.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default()
    };
    let known_rank = |path: &Path| {
        let name = file_name(path);
        KNOWN_CJK_FILES
            .iter()
            .position(|known| known.eq_ignore_ascii_case(&name))
            .or_else(|| {
                name.starts_with("sourcehansans")
                    .then_some(KNOWN_CJK_FILES.len())
            })
    };
    let mut known: Vec<(usize, &PathBuf)> = files
        .iter()
        .filter_map(|p| known_rank(p).map(|rank| (rank, p)))
        .collect();
    known.sort();
    let others = files.iter().filter(|p| known_rank(p).is_none());

    known
        .into_iter()
        .map(|(_, path)| path)
        .chain(others)
        .find_map(|path| {
            let data = std::fs::read(path).ok()?;
            simplified_chinese_face(Font::iter(Bytes::new(data))).map(|font| (font, path.clone()))
        })
}

fn collect_font_files(dir: &Path, depth: usize, files: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // `metadata` follows symlinks: font folders are often links into other packages.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            collect_font_files(&path, depth + 1, files);
        } else if is_font_file(&path) {
            files.push(path);
        }
    }
}

fn is_font_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["ttf", "otf", "ttc", "otc"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

/// The folders fontconfig also looks in on Debian, plus the user's own.
fn system_font_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from("/usr/share/fonts"),
        PathBuf::from("/usr/local/share/fonts"),
    ];
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        dirs.push(home.join(".fonts"));
        dirs.push(home.join(".local/share/fonts"));
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_path_that_does_not_exist_is_an_error() {
        let err = Fonts::discover(Some(Path::new("/nonexistent/wayfare/font.ttc"))).unwrap_err();
        assert!(
            matches!(err, ItineraryError::Font(ref m) if m.contains("cannot read")),
            "{err}"
        );
    }

    #[test]
    fn configured_file_that_is_not_a_font_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("font.ttf");
        std::fs::write(&path, b"this is not a font").unwrap();
        let err = Fonts::discover(Some(&path)).unwrap_err();
        assert!(
            matches!(err, ItineraryError::Font(ref m) if m.contains("not a font")),
            "{err}"
        );
    }

    #[test]
    fn configured_latin_font_has_no_chinese_face() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin.ttf");
        std::fs::write(&path, LATIN_REGULAR).unwrap();
        let err = Fonts::discover(Some(&path)).unwrap_err();
        assert!(
            matches!(err, ItineraryError::Font(ref m) if m.contains("Simplified Chinese")),
            "{err}"
        );
    }

    #[test]
    fn no_cjk_font_in_the_folders_means_latin_only() {
        let dir = tempfile::tempdir().unwrap();
        // A Latin font in the folder is looked at and passed over.
        std::fs::create_dir(dir.path().join("truetype")).unwrap();
        std::fs::write(dir.path().join("truetype/latin.ttf"), LATIN_REGULAR).unwrap();
        std::fs::write(dir.path().join("broken.otf"), b"nope").unwrap();
        let fonts = Fonts::discover_in(
            None,
            &[dir.path().to_path_buf(), dir.path().join("missing")],
        )
        .unwrap();
        assert!(!fonts.has_cjk());
        assert_eq!(fonts.cjk_source(), None);
        assert_eq!(fonts.set().families(), vec!["Liberation Sans"]);

        let mut itinerary = crate::tests::minimal("K7QX2M");
        itinerary.passengers.push(crate::Passenger {
            name: "ZHANG/SAN".into(),
            kind: "Adult".into(),
            ticket: None,
            document: None,
        });
        let pdf = crate::render(&itinerary, &fonts).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn known_file_names_win_over_other_fonts() {
        let Some(system) = Fonts::discover(None).ok().filter(Fonts::has_cjk) else {
            eprintln!("skipped: no CJK font on this machine");
            return;
        };
        let source = system.cjk_source().unwrap();
        let name = source.file_name().unwrap().to_str().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(source, dir.path().join("aaa-first-alphabetically.ttc")).unwrap();
        std::fs::copy(source, dir.path().join(name)).unwrap();
        let fonts = Fonts::discover_in(None, &[dir.path().to_path_buf()]).unwrap();
        if KNOWN_CJK_FILES.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            assert_eq!(fonts.cjk_source(), Some(dir.path().join(name).as_path()));
        }
        assert_eq!(fonts.cjk_family(), system.cjk_family());
    }

    #[test]
    fn face_rank_prefers_simplified_and_proportional() {
        assert!(face_rank("Noto Sans CJK SC") > face_rank("Noto Sans CJK JP"));
        assert!(face_rank("Source Han Sans SC") > face_rank("Source Han Sans"));
        assert!(face_rank("WenQuanYi Micro Hei") > face_rank("WenQuanYi Micro Hei Mono"));
        assert_eq!(face_rank("Noto Sans CJK JP"), face_rank("Noto Sans CJK KR"));
    }
}
