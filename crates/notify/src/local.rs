//! The built-in channel: delivers nothing, keeps the most recent messages in memory — with
//! their HTML and attachments — for the demo's mailbox page and for tests. A demo with a real
//! provider keeps a copy here too ([`crate::Notifier::with_mailbox`]).

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::{Attachment, Email, EmailSender, NotifyError, SmsSender};

/// A message the local channel accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredMessage {
    pub id: String,
    pub channel: &'static str,
    pub to: String,
    pub subject: Option<String>,
    /// The plain text (an e-mail's text part, or the SMS).
    pub body: String,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// The send log's id of it (an e-mail's `message_id`).
    pub log_id: Option<String>,
    pub at: DateTime<Utc>,
}

/// The last `capacity` messages, newest last.
#[derive(Debug)]
pub struct LocalOutbox {
    capacity: usize,
    messages: Mutex<VecDeque<DeliveredMessage>>,
    next_id: std::sync::atomic::AtomicU64,
}

impl LocalOutbox {
    pub fn new(capacity: usize) -> LocalOutbox {
        LocalOutbox {
            capacity: capacity.max(1),
            messages: Mutex::new(VecDeque::new()),
            next_id: std::sync::atomic::AtomicU64::new(1),
        }
    }

    fn push(&self, mut m: DeliveredMessage) -> String {
        let id = format!(
            "local-{}",
            self.next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        m.id = id.clone();
        let mut q = match self.messages.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if q.len() == self.capacity {
            q.pop_front();
        }
        q.push_back(m);
        id
    }

    /// Keeps an e-mail; answers its id here.
    pub fn keep_email(&self, email: &Email, at: DateTime<Utc>) -> String {
        self.push(DeliveredMessage {
            id: String::new(),
            channel: "email",
            to: email.to.clone(),
            subject: Some(email.subject.clone()),
            body: email.text.clone(),
            html: email.html.clone(),
            attachments: email.attachments.clone(),
            log_id: Some(email.message_id.clone()),
            at,
        })
    }

    /// Keeps an SMS; answers its id here.
    pub fn keep_sms(&self, to: &str, text: &str, at: DateTime<Utc>) -> String {
        self.push(DeliveredMessage {
            id: String::new(),
            channel: "sms",
            to: to.to_owned(),
            subject: None,
            body: text.to_owned(),
            html: None,
            attachments: Vec::new(),
            log_id: None,
            at,
        })
    }

    /// One kept message by its id here.
    pub fn get(&self, id: &str) -> Option<DeliveredMessage> {
        let q = match self.messages.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        q.iter().find(|m| m.id == id).cloned()
    }

    /// Newest first.
    pub fn messages(&self) -> Vec<DeliveredMessage> {
        let q = match self.messages.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        q.iter().rev().cloned().collect()
    }

    /// The newest message to `to`, if any.
    pub fn last_to(&self, to: &str) -> Option<DeliveredMessage> {
        self.messages().into_iter().find(|m| m.to == to)
    }
}

#[async_trait::async_trait]
impl EmailSender for LocalOutbox {
    fn provider(&self) -> &'static str {
        "local"
    }

    async fn send_email(&self, email: &Email, at: DateTime<Utc>) -> Result<String, NotifyError> {
        Ok(self.keep_email(email, at))
    }
}

#[async_trait::async_trait]
impl SmsSender for LocalOutbox {
    fn provider(&self) -> &'static str {
        "local"
    }

    async fn send_sms(
        &self,
        to: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<String, NotifyError> {
        Ok(self.keep_sms(to, text, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_the_newest_messages() {
        let o = LocalOutbox::new(2);
        let now = Utc::now();
        o.send_email(&Email::text("a@example.com", "s1", "b1"), now)
            .await
            .unwrap();
        o.send_sms("+8613800138000", "b2", now).await.unwrap();
        o.send_email(&Email::text("a@example.com", "s3", "b3"), now)
            .await
            .unwrap();
        let all = o.messages();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].body, "b3");
        assert_eq!(o.last_to("+8613800138000").unwrap().body, "b2");
        assert_eq!(
            o.last_to("a@example.com").unwrap().subject.as_deref(),
            Some("s3")
        );
    }
}
