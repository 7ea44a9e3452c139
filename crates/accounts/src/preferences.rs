//! A traveller's saved preferences (search defaults, language and currency) and which
//! notifications they want on which channel, plus the history of messages sent to them.

use wayfare_domain::account::preferences::{
    NotificationChannel, NotificationEvent, NotificationPrefs, TravelPreferences,
};
use wayfare_store::accounts::UserRow;
use wayfare_store::notifications::NotificationRow;

use crate::error::AuthError;
use crate::profile::SUPPORTED_LOCALES;
use crate::service::{Accounts, Authenticated, RequestMeta};

/// Messages per page of the notification history.
pub const MAX_HISTORY_PAGE: u64 = 100;

/// The stored preferences, read leniently (an unreadable row is "no preference").
pub fn travel_preferences(user: &UserRow) -> TravelPreferences {
    serde_json::from_str(&user.preferences).unwrap_or_default()
}

/// The stored notification settings, read leniently.
pub fn notification_prefs(user: &UserRow) -> NotificationPrefs {
    serde_json::from_str(&user.notification_prefs).unwrap_or_default()
}

/// The domain names a field like `preferred_airlines[2]`; the error carries its list's name.
fn static_field(field: &str) -> &'static str {
    let base = field.split('[').next().unwrap_or(field);
    [
        "seat",
        "meal",
        "cabin",
        "preferred_airlines",
        "hotel_min_stars",
        "hotel_amenities",
        "language",
        "currency",
    ]
    .into_iter()
    .find(|f| *f == base)
    .unwrap_or("preferences")
}

impl Accounts {
    /// Validates and saves the whole set of travel preferences.
    pub async fn set_travel_preferences(
        &self,
        who: &Authenticated,
        prefs: TravelPreferences,
        meta: &RequestMeta,
    ) -> Result<TravelPreferences, AuthError> {
        let mut prefs = prefs.normalised();
        prefs.validate().map_err(|e| AuthError::InvalidField {
            field: static_field(&e.field),
            reason_key: e.reason,
            arg: e.arg,
        })?;
        if let Some(lang) = &prefs.language {
            // Only languages the site speaks, in their canonical spelling.
            let known = SUPPORTED_LOCALES
                .iter()
                .find(|l| l.eq_ignore_ascii_case(lang))
                .ok_or_else(|| AuthError::field("language", "reason-unknown-language"))?;
            prefs.language = Some((*known).to_owned());
        }
        let json = serde_json::to_string(&prefs).map_err(|e| AuthError::Internal(e.to_string()))?;
        if !self
            .store
            .set_preferences(&who.user.id, &json, self.now())
            .await?
        {
            return Err(AuthError::NotFound);
        }
        self.audit(
            Some(&who.user.id),
            "preferences_updated",
            Some(&who.user.id),
            meta,
            serde_json::json!({}),
        )
        .await;
        Ok(prefs)
    }

    /// Replaces the notification settings: every `(channel, event, on)` given is applied to
    /// the defaults. Unknown names and switching security messages off are refused.
    pub async fn set_notification_prefs(
        &self,
        who: &Authenticated,
        settings: &[(String, String, bool)],
        meta: &RequestMeta,
    ) -> Result<NotificationPrefs, AuthError> {
        let mut prefs = NotificationPrefs::default();
        for (channel, event, on) in settings {
            let channel = NotificationChannel::parse(channel)
                .ok_or_else(|| AuthError::field("channel", "reason-unknown-channel"))?;
            let event = NotificationEvent::parse(event)
                .ok_or_else(|| AuthError::field("event", "reason-unknown-notification"))?;
            prefs
                .set(channel, event, *on)
                .map_err(|e| AuthError::field("event", e.reason_key()))?;
        }
        let json = serde_json::to_string(&prefs).map_err(|e| AuthError::Internal(e.to_string()))?;
        if !self
            .store
            .set_notification_prefs(&who.user.id, &json, self.now())
            .await?
        {
            return Err(AuthError::NotFound);
        }
        self.audit(
            Some(&who.user.id),
            "notification_prefs_updated",
            Some(&who.user.id),
            meta,
            serde_json::json!({}),
        )
        .await;
        Ok(prefs)
    }

    /// Messages sent to the user, newest first. Security codes were masked when recorded.
    pub async fn notification_history(
        &self,
        who: &Authenticated,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<NotificationRow>, AuthError> {
        Ok(self
            .store
            .notifications_of(&who.user.id, limit.clamp(1, MAX_HISTORY_PAGE), offset)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::static_field;

    #[test]
    fn list_fields_name_their_list() {
        assert_eq!(static_field("preferred_airlines[3]"), "preferred_airlines");
        assert_eq!(static_field("cabin"), "cabin");
        assert_eq!(static_field("other"), "preferences");
    }
}
