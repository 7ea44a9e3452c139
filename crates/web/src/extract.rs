//! Extractors whose rejections are our own localized errors instead of axum's plain text.

use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ErrorCode, WebError};

/// `Query<T>` with a 400 `invalid_query` naming what was wrong.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| {
                WebError::new(ErrorCode::InvalidQuery)
                    .detail("reason", serde_json::Value::String(e.body_text()))
            })
    }
}

/// `Json<T>` with 400 `invalid_json` / 415 / 413 errors in the user's language.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|j| ApiJson(j.0))
            .map_err(|e: JsonRejection| {
                let code = match &e {
                    JsonRejection::MissingJsonContentType(_) => ErrorCode::UnsupportedMediaType,
                    _ if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                        ErrorCode::PayloadTooLarge
                    }
                    _ => ErrorCode::InvalidJson,
                };
                WebError::new(code).detail("reason", serde_json::Value::String(e.body_text()))
            })
    }
}

/// `Form<T>` with a 400 `invalid_form`.
#[derive(Debug, Clone)]
pub struct WebForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for WebForm<T> {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| WebForm(f.0))
            .map_err(|e: FormRejection| {
                WebError::new(ErrorCode::InvalidForm)
                    .detail("reason", serde_json::Value::String(e.body_text()))
            })
    }
}
