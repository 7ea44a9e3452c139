//! Static assets compiled into the binary: no CDN and no files to deploy beside it.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::WebError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/app.css"),
    },
    Asset {
        name: "js-flag.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/js-flag.js"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/app.js"),
    },
    Asset {
        name: "hotels.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/hotels.js"),
    },
    Asset {
        name: "bookings.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/bookings.js"),
    },
    Asset {
        name: "admin_templates.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/admin_templates.js"),
    },
    Asset {
        name: "bookings.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../static/bookings.css"),
    },
    Asset {
        name: "logo.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../static/logo.svg"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../static/favicon.svg"),
    },
];

/// A short content hash of all assets; pages link `?v=<this>` so browsers may cache for a year.
pub fn version() -> &'static str {
    static V: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for a in ASSETS {
            h.update(a.body);
        }
        hex::encode(&h.finalize()[..6])
    });
    &V
}

pub async fn serve(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, WebError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(WebError::not_found)?;
    let etag = format!("\"{}\"", version());
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let mut res = asset.body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    Ok(res)
}
