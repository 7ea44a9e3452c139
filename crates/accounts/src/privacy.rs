//! The account holder's data: export as JSON and deletion (anonymisation).

use serde_json::{Value, json};

use crate::error::AuthError;
use crate::service::{Accounts, Authenticated, RequestMeta};
use crate::travellers::document_context;

impl Accounts {
    /// Everything stored about the user, for "export my data": the store's export with the
    /// travellers' document numbers opened for their owner. Payment tokens, password and TOTP
    /// secrets stay out.
    pub async fn export_data(
        &self,
        who: &Authenticated,
        meta: &RequestMeta,
    ) -> Result<Value, AuthError> {
        let mut data = self
            .store
            .export_user(&who.user.id)
            .await?
            .ok_or(AuthError::NotFound)?;
        let rows = self.store.travellers_of(&who.user.id).await?;
        let mut travellers = Vec::with_capacity(rows.len());
        for t in rows {
            let number = match &t.document_number_sealed {
                Some(s) => Some(self.sealer.open(s, &document_context(&t.id))?),
                None => None,
            };
            travellers.push(json!({
                "id": t.id, "given_name": t.given_name, "family_name": t.family_name,
                "name_zh": t.name_zh, "date_of_birth": t.date_of_birth, "gender": t.gender,
                "nationality": t.nationality, "document_type": t.document_type,
                "document_number": number, "document_country": t.document_country,
                "document_expiry": t.document_expiry,
                "created_at": t.created_at, "updated_at": t.updated_at,
            }));
        }
        if let Value::Object(map) = &mut data {
            map.insert("travellers".into(), Value::Array(travellers));
            map.insert("exported_at".into(), json!(self.now()));
        }
        self.audit(
            Some(&who.user.id),
            "data_exported",
            Some(&who.user.id),
            meta,
            json!({}),
        )
        .await;
        Ok(data)
    }

    /// Deletes the account after the password is re-entered: personal data cleared, travellers
    /// and stored cards gone, every session and API token ended; orders and payments stay.
    pub async fn delete_account(
        &self,
        who: &Authenticated,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<(), AuthError> {
        self.reauthenticate(who, password).await?;
        if !self.store.anonymise_user(&who.user.id, self.now()).await? {
            return Err(AuthError::NotFound);
        }
        self.audit(
            Some(&who.user.id),
            "account_deleted",
            Some(&who.user.id),
            meta,
            json!({}),
        )
        .await;
        Ok(())
    }
}
