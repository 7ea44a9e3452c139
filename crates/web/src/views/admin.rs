//! Back-office pages. Every handler checks the role on the server.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use wayfare_domain::account::Role;

use crate::auth::{SignedInUser, require_role};
use crate::error::WebError;
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::Page;

#[derive(Debug, Clone)]
pub struct MailRow {
    pub channel: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/mailbox.html")]
pub struct MailboxTemplate {
    page: Page,
    /// False when real providers deliver: nothing is kept here then.
    local: bool,
    messages: Vec<MailRow>,
}

/// The dev mailbox: what the built-in local channel "sent" (demo installations only).
pub async fn mailbox(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
) -> Result<MailboxTemplate, WebError> {
    require_role(&user, &[Role::Admin])?;
    let outbox = state.accounts().notifier().local_outbox();
    let messages = outbox
        .map(|o| {
            o.messages()
                .into_iter()
                .map(|m| MailRow {
                    channel: m.channel.to_owned(),
                    to: m.to,
                    subject: m.subject.unwrap_or_default(),
                    body: m.body,
                    at: m.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(MailboxTemplate {
        page: Page::new(&state, &ctx),
        local: outbox.is_some(),
        messages,
    })
}
