//! A fake SMTP server on 127.0.0.1:0 for the SMTP sender's tests, and a small MIME reader to
//! check what it received.
//!
//! The server speaks real SMTP over TCP (RFC 5321): a `220` greeting, `EHLO`/`HELO`, `AUTH
//! PLAIN` and `AUTH LOGIN` (RFC 4954, with or without an initial response) checked against one
//! username and password (`535 5.7.8` otherwise, and `530 5.7.0` for mail without AUTH when
//! credentials are configured), `MAIL FROM`, `RCPT TO`, `DATA` ending at `<CRLF>.<CRLF>` with
//! dot-unstuffing, `RSET`, `NOOP` and `QUIT`, each out of order answered `503`. It offers no
//! STARTTLS. It can be told to greet with another reply (`421` closes the connection, as any
//! `421` does), to refuse a recipient with a reply, to answer the end of DATA with a reply
//! (then the message is not kept), or to accept connections and never say anything.
//!
//! It keeps every accepted message (envelope and DATA as received, unstuffed), every AUTH
//! attempt (never the password), the `EHLO` names, the commands (AUTH payloads left out) and
//! the number of connections, and stops when dropped.
//!
//! Self-contained: it can be included by `#[path]` from any crate's tests that have `base64`
//! and `tokio` (`net`, `io-util`, `rt`).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The only username the fake accepts when it requires AUTH.
pub const USERNAME: &str = "mailer@wayfare.example";

/// The only password the fake accepts when it requires AUTH.
pub const PASSWORD: &str = "fake-smtp-Pa55word-0123456789";

/// The name the fake gives itself in its greeting and `EHLO` answer.
const SERVER_NAME: &str = "fake-smtp.test";

/// The longest command line taken, ending included (RFC 4954 allows long AUTH lines).
const MAX_COMMAND_LINE: usize = 4096;

/// The longest DATA line read as one line; longer lines are still taken and measured.
const MAX_DATA_LINE: usize = 1 << 20;

/// The message size advertised and enforced (`552` above it).
const MAX_MESSAGE_BYTES: usize = 35_000_000;

/// A message the fake accepted.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    /// The `MAIL FROM` address, without angle brackets.
    pub mail_from: String,
    /// The `MAIL FROM` parameters (`BODY=8BITMIME` …).
    pub mail_params: Vec<String>,
    /// The `RCPT TO` addresses accepted.
    pub rcpt_to: Vec<String>,
    /// The username of a successful AUTH on the connection.
    pub authenticated_as: Option<String>,
    /// The message as sent after DATA, dot-unstuffed, every line ending in CRLF.
    pub data: Vec<u8>,
    /// Whether some DATA line ended in a bare LF.
    pub bare_lf: bool,
    /// The longest DATA line on the wire, without its CRLF (RFC 5321 allows 998).
    pub longest_line: usize,
}

impl ReceivedMessage {
    /// The message parsed as MIME.
    pub fn parsed(&self) -> MimePart {
        MimePart::parse(&self.data)
    }
}

/// One AUTH exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthAttempt {
    /// `PLAIN` or `LOGIN`.
    pub mechanism: String,
    pub username: String,
    pub success: bool,
}

#[derive(Default)]
struct State {
    /// `Some` when AUTH is offered and required for mail.
    credentials: Option<(String, String)>,
    /// The mechanisms offered with `250-AUTH`.
    mechanisms: Vec<String>,
    greeting: Option<String>,
    silent: bool,
    /// Lower-case address → the reply to its `RCPT TO`.
    recipient_replies: HashMap<String, String>,
    data_reply: Option<String>,
    messages: Vec<ReceivedMessage>,
    auth_attempts: Vec<AuthAttempt>,
    hello_names: Vec<String>,
    commands: Vec<String>,
    connections: usize,
}

/// A running fake SMTP server.
pub struct FakeSmtp {
    port: u16,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl Drop for FakeSmtp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSmtp {
    /// A server that takes mail from anyone and offers no AUTH.
    pub async fn start() -> FakeSmtp {
        FakeSmtp::spawn(State::default()).await
    }

    /// A server that offers `AUTH PLAIN LOGIN` and takes mail only after it, with
    /// [`USERNAME`] and [`PASSWORD`].
    pub async fn with_auth() -> FakeSmtp {
        FakeSmtp::with_mechanisms(&["PLAIN", "LOGIN"]).await
    }

    /// As [`FakeSmtp::with_auth`], offering only `mechanisms`.
    pub async fn with_mechanisms(mechanisms: &[&str]) -> FakeSmtp {
        FakeSmtp::spawn(State {
            credentials: Some((USERNAME.to_owned(), PASSWORD.to_owned())),
            mechanisms: mechanisms.iter().map(|m| m.to_string()).collect(),
            ..State::default()
        })
        .await
    }

    /// A server that accepts connections and never answers.
    pub async fn silent() -> FakeSmtp {
        FakeSmtp::spawn(State {
            silent: true,
            ..State::default()
        })
        .await
    }

    async fn spawn(state: State) -> FakeSmtp {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(state));
        let task = tokio::spawn(accept(listener, state.clone()));
        FakeSmtp { port, state, task }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Greet new connections with `reply` (e.g. `421 4.3.2 Service not available`) instead of
    /// `220`; anything but a `220` is followed by closing the connection.
    pub fn set_greeting(&self, reply: &str) {
        self.lock().greeting = Some(reply.to_owned());
    }

    /// Answer `RCPT TO:<address>` with `reply` (e.g. `550 5.1.1 … mailbox unavailable`).
    pub fn set_recipient_reply(&self, address: &str, reply: &str) {
        self.lock()
            .recipient_replies
            .insert(address.to_ascii_lowercase(), reply.to_owned());
    }

    /// Answer the end of DATA with `reply` instead of accepting the message; `None` accepts
    /// again.
    pub fn set_data_reply(&self, reply: Option<&str>) {
        self.lock().data_reply = reply.map(str::to_owned);
    }

    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.lock().messages.clone()
    }

    pub fn auth_attempts(&self) -> Vec<AuthAttempt> {
        self.lock().auth_attempts.clone()
    }

    pub fn hello_names(&self) -> Vec<String> {
        self.lock().hello_names.clone()
    }

    /// Every command line received, in order, AUTH payloads left out (`AUTH PLAIN`).
    pub fn commands(&self) -> Vec<String> {
        self.lock().commands.clone()
    }

    pub fn connections(&self) -> usize {
        self.lock().connections
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Accepts connections until the server is dropped; the sessions end with it.
async fn accept(listener: TcpListener, state: Arc<Mutex<State>>) {
    let mut sessions = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        while sessions.try_join_next().is_some() {}
        let state = state.clone();
        sessions.spawn(async move {
            // A client that goes away mid-session is not the fake's concern.
            let _ = session(stream, state).await;
        });
    }
}

/// One line read from the client.
struct Line {
    /// Without its line ending.
    text: Vec<u8>,
    /// Ended by CRLF (not a bare LF, not the end of the stream).
    crlf: bool,
    /// The line went on past the limit; `text` holds its start.
    too_long: bool,
}

/// The next line, or `None` at the end of the stream.
async fn read_line(
    reader: &mut BufReader<OwnedReadHalf>,
    limit: usize,
) -> io::Result<Option<Line>> {
    let mut text = Vec::new();
    let n = (&mut *reader)
        .take(limit as u64)
        .read_until(b'\n', &mut text)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    let mut too_long = false;
    if text.last() != Some(&b'\n') && n == limit {
        too_long = true;
        let mut rest = Vec::new();
        reader.read_until(b'\n', &mut rest).await?;
        text.extend_from_slice(&rest);
    }
    let lf = text.last() == Some(&b'\n');
    if lf {
        text.pop();
    }
    let crlf = lf && text.last() == Some(&b'\r');
    if crlf {
        text.pop();
    }
    Ok(Some(Line {
        text,
        crlf,
        too_long,
    }))
}

/// One reply line, written at once (a reply split over two writes waits for the client's
/// delayed ACK under Nagle's algorithm).
async fn reply(writer: &mut OwnedWriteHalf, text: &str) -> io::Result<()> {
    writer.write_all(format!("{text}\r\n").as_bytes()).await?;
    writer.flush().await
}

/// A multi-line reply: `code-text` lines and a last `code text` line.
async fn reply_lines(writer: &mut OwnedWriteHalf, code: u16, lines: &[String]) -> io::Result<()> {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let sep = if i + 1 == lines.len() { ' ' } else { '-' };
        out.push_str(&format!("{code}{sep}{line}\r\n"));
    }
    writer.write_all(out.as_bytes()).await?;
    writer.flush().await
}

/// What a connection has said so far.
#[derive(Default)]
struct Session {
    hello: bool,
    authenticated_as: Option<String>,
    mail_from: Option<(String, Vec<String>)>,
    rcpt_to: Vec<String>,
}

impl Session {
    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }
}

async fn session(stream: TcpStream, state: Arc<Mutex<State>>) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, mut writer) = stream.into_split();
    let mut reader = BufReader::new(read);
    let (greeting, silent) = {
        let mut s = lock(&state);
        s.connections += 1;
        (s.greeting.clone(), s.silent)
    };
    if silent {
        let mut ignored = Vec::new();
        reader.read_to_end(&mut ignored).await?;
        return Ok(());
    }
    let greeting = greeting.unwrap_or_else(|| format!("220 {SERVER_NAME} ESMTP fake"));
    reply(&mut writer, &greeting).await?;
    if !greeting.starts_with("220") {
        return Ok(());
    }

    let mut session = Session::default();
    loop {
        let Some(line) = read_line(&mut reader, MAX_COMMAND_LINE).await? else {
            return Ok(());
        };
        if line.too_long {
            reply(&mut writer, "500 5.5.2 Line too long").await?;
            continue;
        }
        if !line.crlf {
            reply(&mut writer, "500 5.5.2 Commands end with CRLF").await?;
            continue;
        }
        let Ok(command) = String::from_utf8(line.text) else {
            reply(&mut writer, "500 5.5.2 Not UTF-8").await?;
            continue;
        };
        let (verb, argument) = match command.split_once(' ') {
            Some((verb, argument)) => (verb.to_ascii_uppercase(), argument.trim().to_owned()),
            None => (command.to_ascii_uppercase(), String::new()),
        };
        lock(&state).commands.push(if verb == "AUTH" {
            format!(
                "AUTH {}",
                argument
                    .split(' ')
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase()
            )
        } else {
            command.clone()
        });

        match verb.as_str() {
            "EHLO" | "HELO" => {
                if argument.is_empty() {
                    reply(&mut writer, "501 5.5.4 A name is needed").await?;
                    continue;
                }
                session.reset();
                session.hello = true;
                let mechanisms = {
                    let mut s = lock(&state);
                    s.hello_names.push(argument.clone());
                    s.credentials.as_ref().map(|_| s.mechanisms.join(" "))
                };
                if verb == "HELO" {
                    reply(&mut writer, &format!("250 {SERVER_NAME}")).await?;
                    continue;
                }
                let mut lines = vec![
                    format!("{SERVER_NAME} greets {argument}"),
                    "8BITMIME".to_owned(),
                    format!("SIZE {MAX_MESSAGE_BYTES}"),
                    "ENHANCEDSTATUSCODES".to_owned(),
                ];
                if let Some(mechanisms) = mechanisms {
                    lines.push(format!("AUTH {mechanisms}"));
                }
                lines.push("HELP".to_owned());
                reply_lines(&mut writer, 250, &lines).await?;
            }
            "AUTH" => {
                let answer =
                    auth(&mut reader, &mut writer, &state, &mut session, &argument).await?;
                match answer {
                    Some(answer) => reply(&mut writer, answer).await?,
                    None => return Ok(()),
                }
            }
            "MAIL" => {
                let requires_auth = lock(&state).credentials.is_some();
                let answer = if !session.hello {
                    "503 5.5.1 EHLO or HELO first".to_owned()
                } else if requires_auth && session.authenticated_as.is_none() {
                    "530 5.7.0 Authentication required".to_owned()
                } else if session.mail_from.is_some() {
                    "503 5.5.1 Nested MAIL command".to_owned()
                } else {
                    match path(&argument, "FROM:") {
                        Some((address, params)) => {
                            session.mail_from = Some((address, params));
                            "250 2.1.0 Ok".to_owned()
                        }
                        None => "501 5.5.4 Syntax: MAIL FROM:<address>".to_owned(),
                    }
                };
                reply(&mut writer, &answer).await?;
            }
            "RCPT" => {
                let answer = if session.mail_from.is_none() {
                    "503 5.5.1 Need MAIL before RCPT".to_owned()
                } else {
                    match path(&argument, "TO:") {
                        Some((address, _)) if !address.is_empty() => {
                            let configured = lock(&state)
                                .recipient_replies
                                .get(&address.to_ascii_lowercase())
                                .cloned();
                            match configured {
                                Some(answer) => answer,
                                None => {
                                    session.rcpt_to.push(address);
                                    "250 2.1.5 Ok".to_owned()
                                }
                            }
                        }
                        _ => "501 5.5.4 Syntax: RCPT TO:<address>".to_owned(),
                    }
                };
                reply(&mut writer, &answer).await?;
                if answer.starts_with("421") {
                    return Ok(());
                }
            }
            "DATA" => {
                if session.mail_from.is_none() || session.rcpt_to.is_empty() {
                    reply(&mut writer, "503 5.5.1 Need RCPT before DATA").await?;
                    continue;
                }
                reply(&mut writer, "354 End data with <CR><LF>.<CR><LF>").await?;
                let Some(answer) = data(&mut reader, &state, &mut session).await? else {
                    return Ok(());
                };
                reply(&mut writer, &answer).await?;
                if answer.starts_with("421") {
                    return Ok(());
                }
            }
            "RSET" => {
                session.reset();
                reply(&mut writer, "250 2.0.0 Ok").await?;
            }
            "NOOP" => reply(&mut writer, "250 2.0.0 Ok").await?,
            "QUIT" => {
                reply(&mut writer, "221 2.0.0 Bye").await?;
                return Ok(());
            }
            _ => reply(&mut writer, "502 5.5.2 Command not implemented").await?,
        }
    }
}

/// `FROM:<address> PARAM …` (or `TO:`): the address without brackets and the parameters.
fn path(argument: &str, keyword: &str) -> Option<(String, Vec<String>)> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = argument[keyword.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let (address, params) = rest.split_once('>')?;
    if address.contains(['<', ' ']) {
        return None;
    }
    let params = params.split_whitespace().map(str::to_owned).collect();
    Some((address.to_owned(), params))
}

/// An AUTH exchange; the final reply, or `None` when the client went away.
async fn auth(
    reader: &mut BufReader<OwnedReadHalf>,
    writer: &mut OwnedWriteHalf,
    state: &Mutex<State>,
    session: &mut Session,
    argument: &str,
) -> io::Result<Option<&'static str>> {
    let (credentials, mechanisms) = {
        let s = lock(state);
        (s.credentials.clone(), s.mechanisms.clone())
    };
    let Some((username, password)) = credentials else {
        return Ok(Some("502 5.5.1 AUTH not offered"));
    };
    if !session.hello {
        return Ok(Some("503 5.5.1 EHLO first"));
    }
    if session.authenticated_as.is_some() {
        return Ok(Some("503 5.5.1 Already authenticated"));
    }
    if session.mail_from.is_some() {
        return Ok(Some("503 5.5.1 AUTH not allowed during a mail transaction"));
    }
    let mut words = argument.split(' ');
    let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
    let initial = words.next().map(str::to_owned);
    if !mechanisms.contains(&mechanism) {
        return Ok(Some("504 5.5.4 Unrecognized authentication type"));
    }

    // One client response: the initial one, else one read after a `334` challenge; `None`
    // when cancelled (`*`) or the client went away, `Some(Err)` when it is not base64.
    async fn response(
        reader: &mut BufReader<OwnedReadHalf>,
        writer: &mut OwnedWriteHalf,
        initial: Option<String>,
        challenge: &str,
    ) -> io::Result<Option<Result<Vec<u8>, ()>>> {
        let text = match initial {
            Some(text) => text,
            None => {
                reply(writer, &format!("334 {challenge}")).await?;
                match read_line(reader, MAX_COMMAND_LINE).await? {
                    Some(line) => String::from_utf8_lossy(&line.text).into_owned(),
                    None => return Ok(None),
                }
            }
        };
        if text == "*" {
            return Ok(None);
        }
        if text == "=" {
            return Ok(Some(Ok(Vec::new())));
        }
        Ok(Some(STANDARD.decode(text.trim()).map_err(|_| ())))
    }

    let (given_user, given_password) = if mechanism == "PLAIN" {
        let Some(decoded) = response(reader, writer, initial, "").await? else {
            return Ok(Some("501 5.7.0 Authentication cancelled"));
        };
        let Ok(decoded) = decoded else {
            return Ok(Some("501 5.5.2 Cannot decode response"));
        };
        let fields: Vec<&[u8]> = decoded.split(|b| *b == 0).collect();
        let [_authzid, user, pass] = fields[..] else {
            return Ok(Some("501 5.5.2 Cannot decode response"));
        };
        (user.to_vec(), pass.to_vec())
    } else {
        let Some(Ok(user)) =
            response(reader, writer, initial, &STANDARD.encode("Username:")).await?
        else {
            return Ok(Some("501 5.7.0 Authentication cancelled"));
        };
        let Some(Ok(pass)) = response(reader, writer, None, &STANDARD.encode("Password:")).await?
        else {
            return Ok(Some("501 5.7.0 Authentication cancelled"));
        };
        (user, pass)
    };
    let given_user = String::from_utf8_lossy(&given_user).into_owned();
    let success = given_user == username && given_password == password.as_bytes();
    lock(state).auth_attempts.push(AuthAttempt {
        mechanism,
        username: given_user.clone(),
        success,
    });
    if success {
        session.authenticated_as = Some(given_user);
        Ok(Some("235 2.7.0 Authentication successful"))
    } else {
        Ok(Some("535 5.7.8 Authentication credentials invalid"))
    }
}

/// Reads DATA up to the lone dot, dot-unstuffing; the reply, or `None` when the client went
/// away first. An accepted message is kept before the reply is sent.
async fn data(
    reader: &mut BufReader<OwnedReadHalf>,
    state: &Mutex<State>,
    session: &mut Session,
) -> io::Result<Option<String>> {
    let mut data = Vec::new();
    let mut bare_lf = false;
    let mut longest_line = 0;
    loop {
        let Some(line) = read_line(reader, MAX_DATA_LINE).await? else {
            return Ok(None);
        };
        if line.crlf && line.text == b"." {
            break;
        }
        bare_lf |= !line.crlf;
        longest_line = longest_line.max(line.text.len());
        let text = line.text.strip_prefix(b".").unwrap_or(&line.text);
        if data.len() <= MAX_MESSAGE_BYTES {
            data.extend_from_slice(text);
            data.extend_from_slice(b"\r\n");
        }
    }
    let (mail_from, mail_params) = session.mail_from.take().unwrap_or_default();
    let rcpt_to = std::mem::take(&mut session.rcpt_to);
    if data.len() > MAX_MESSAGE_BYTES {
        return Ok(Some("552 5.3.4 Message too big".to_owned()));
    }
    let mut s = lock(state);
    if let Some(answer) = s.data_reply.clone() {
        return Ok(Some(answer));
    }
    s.messages.push(ReceivedMessage {
        mail_from,
        mail_params,
        rcpt_to,
        authenticated_as: session.authenticated_as.clone(),
        data,
        bare_lf,
        longest_line,
    });
    Ok(Some(format!(
        "250 2.0.0 Ok: queued as Q{}",
        s.messages.len()
    )))
}

// ---------------------------------------------------------------------------------------------
// MIME, as far as the tests need it: headers (unfolded, RFC 2047 encoded words decoded on
// request), parameters with RFC 2231 continuations and charsets, multipart bodies split on
// their boundary, and base64 / quoted-printable bodies decoded.

/// One MIME entity: the whole message or a part of it.
#[derive(Debug, Clone)]
pub struct MimePart {
    /// Names as written, values unfolded and trimmed.
    pub headers: Vec<(String, String)>,
    /// The body after its `Content-Transfer-Encoding` is undone; empty for a multipart.
    pub body: Vec<u8>,
    /// The parts of a multipart, in order.
    pub parts: Vec<MimePart>,
}

impl MimePart {
    pub fn parse(raw: &[u8]) -> MimePart {
        let (head, body) = match find(raw, b"\r\n\r\n") {
            Some(i) => (&raw[..i], &raw[i + 4..]),
            None if raw.starts_with(b"\r\n") => (&raw[..0], &raw[2..]),
            None => (raw, &raw[raw.len()..]),
        };
        let head = std::str::from_utf8(head).expect("headers are UTF-8");
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n").filter(|l| !l.is_empty()) {
            if line.starts_with([' ', '\t']) {
                let (_, value) = headers.last_mut().expect("a folded line follows a header");
                value.push_str(line);
            } else {
                let (name, value) = line.split_once(':').expect("a header has a colon");
                headers.push((name.to_owned(), value.to_owned()));
            }
        }
        for (_, value) in &mut headers {
            *value = value.trim().to_owned();
        }
        let mut part = MimePart {
            headers,
            body: Vec::new(),
            parts: Vec::new(),
        };
        if part.mime_type().starts_with("multipart/") {
            let boundary = part
                .param("Content-Type", "boundary")
                .expect("a multipart has a boundary");
            part.parts = split_multipart(body, &boundary)
                .into_iter()
                .map(|p| MimePart::parse(&p))
                .collect();
        } else {
            part.body = match part
                .header("Content-Transfer-Encoding")
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("base64") => {
                    let compact: Vec<u8> = body
                        .iter()
                        .copied()
                        .filter(|b| !b.is_ascii_whitespace())
                        .collect();
                    STANDARD.decode(compact).expect("valid base64")
                }
                Some("quoted-printable") => decode_quoted_printable(body),
                _ => body.to_vec(),
            };
        }
        part
    }

    /// The first header called `name` (any case), as written.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header called `name`.
    pub fn header_count(&self, name: &str) -> usize {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .count()
    }

    /// The header with its RFC 2047 encoded words decoded.
    pub fn decoded_header(&self, name: &str) -> Option<String> {
        self.header(name).map(decode_words)
    }

    /// `type/subtype` in lower case; `text/plain` without a `Content-Type`.
    pub fn mime_type(&self) -> String {
        self.header("Content-Type")
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_else(|| "text/plain".to_owned())
    }

    /// A parameter of a header (`Content-Type` `charset`, `Content-Disposition` `filename`),
    /// RFC 2231 continuations joined and percent-encoded values decoded.
    pub fn param(&self, header: &str, name: &str) -> Option<String> {
        let params = params(self.header(header)?);
        let name = name.to_ascii_lowercase();
        if let Some(v) = params.get(&name) {
            return Some(v.clone());
        }
        if let Some(v) = params.get(&format!("{name}*")) {
            return Some(String::from_utf8(decode_extended(v, true)).expect("a UTF-8 parameter"));
        }
        let mut bytes = Vec::new();
        let mut found = false;
        for i in 0.. {
            if let Some(v) = params.get(&format!("{name}*{i}*")) {
                bytes.extend(decode_extended(v, i == 0));
            } else if let Some(v) = params.get(&format!("{name}*{i}")) {
                bytes.extend_from_slice(v.as_bytes());
            } else {
                break;
            }
            found = true;
        }
        found.then(|| String::from_utf8(bytes).expect("a UTF-8 parameter"))
    }

    /// The `Content-Disposition` kind (`attachment`, `inline`) in lower case.
    pub fn disposition(&self) -> Option<String> {
        self.header("Content-Disposition").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }

    /// The body as text, with CRLF line ends made LF (a text part's canonical form ends lines
    /// in CRLF, RFC 2046). The charset must be UTF-8 or ASCII.
    pub fn text(&self) -> String {
        let charset = self
            .param("Content-Type", "charset")
            .unwrap_or_else(|| "us-ascii".into());
        assert!(
            charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("us-ascii"),
            "charset {charset}"
        );
        String::from_utf8(self.body.clone())
            .expect("UTF-8 text")
            .replace("\r\n", "\n")
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The bodies between `--boundary` lines, up to `--boundary--` (RFC 2046 §5.1.1: the CRLF
/// before a delimiter belongs to it).
fn split_multipart(body: &[u8], boundary: &str) -> Vec<Vec<u8>> {
    let delimiter = format!("--{boundary}");
    let closing = format!("--{boundary}--");
    let mut parts = Vec::new();
    let mut current: Option<Vec<&[u8]>> = None;
    for line in body.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let trimmed = line.trim_ascii_end();
        if trimmed == closing.as_bytes() {
            parts.extend(current.take());
            return parts.into_iter().map(|p| p.join(&b"\r\n"[..])).collect();
        }
        if trimmed == delimiter.as_bytes() {
            parts.extend(current.take());
            current = Some(Vec::new());
        } else if let Some(lines) = current.as_mut() {
            lines.push(line);
        }
    }
    panic!("the multipart has no closing delimiter --{boundary}--");
}

/// Quoted-printable (RFC 2045 §6.7): `=XX` octets and soft line breaks.
fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i] == b'=' {
            if body[i + 1..].starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            let hex = std::str::from_utf8(&body[i + 1..i + 3]).expect("ASCII hex");
            out.push(u8::from_str_radix(hex, 16).expect("=XX hex"));
            i += 3;
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// Header text with its RFC 2047 encoded words (`=?charset?B|Q?text?=`) decoded; the
/// whitespace between two adjacent encoded words is dropped.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some((start, end, decoded)) = next_word(rest) {
        let between = &rest[..start];
        if !(after_word && between.chars().all(char::is_whitespace)) {
            out.push_str(between);
        }
        out.push_str(&decoded);
        after_word = true;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The first well-formed encoded word in `text`: where it starts and ends and what it says.
fn next_word(text: &str) -> Option<(usize, usize, String)> {
    let mut from = 0;
    while let Some(offset) = text[from..].find("=?") {
        let start = from + offset;
        if let Some((len, decoded)) = encoded_word(&text[start..]) {
            return Some((start, start + len, decoded));
        }
        from = start + 2;
    }
    None
}

fn encoded_word(text: &str) -> Option<(usize, String)> {
    let inner = text.strip_prefix("=?")?;
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let (payload, _) = rest.split_once("?=")?;
    if payload.contains(char::is_whitespace) {
        return None;
    }
    let charset = charset.split('*').next().unwrap_or("");
    assert!(
        charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("us-ascii"),
        "charset {charset}"
    );
    let bytes = match encoding {
        "B" | "b" => STANDARD.decode(payload).ok()?,
        "Q" | "q" => {
            let mut bytes = Vec::new();
            let raw = payload.as_bytes();
            let mut i = 0;
            while i < raw.len() {
                match raw[i] {
                    b'_' => bytes.push(b' '),
                    b'=' => {
                        let hex = payload.get(i + 1..i + 3)?;
                        bytes.push(u8::from_str_radix(hex, 16).ok()?);
                        i += 2;
                    }
                    b => bytes.push(b),
                }
                i += 1;
            }
            bytes
        }
        _ => return None,
    };
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + payload.len() + 2;
    Some((len, String::from_utf8(bytes).expect("UTF-8 encoded word")))
}

/// The parameters of a header value (after its first `;`), names in lower case, quoted
/// values unquoted.
fn params(value: &str) -> HashMap<String, String> {
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        if escaped {
            piece.push(c);
            escaped = false;
        } else if quoted && c == '\\' {
            piece.push(c);
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
            piece.push(c);
        } else if c == ';' && !quoted {
            pieces.push(std::mem::take(&mut piece));
        } else {
            piece.push(c);
        }
    }
    pieces.push(piece);
    pieces
        .iter()
        .skip(1)
        .filter_map(|p| {
            let (name, value) = p.split_once('=')?;
            let value = value.trim();
            let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                Some(inner) => {
                    let mut out = String::new();
                    let mut chars = inner.chars();
                    while let Some(c) = chars.next() {
                        out.push(if c == '\\' {
                            chars.next().unwrap_or(c)
                        } else {
                            c
                        });
                    }
                    out
                }
                None => value.to_owned(),
            };
            Some((name.trim().to_ascii_lowercase(), value))
        })
        .collect()
}

/// The octets of an RFC 2231 extended value: `charset'language'` (on the first piece) and
/// `%XX` octets. Continuations may split a character, so octets are joined before decoding.
fn decode_extended(value: &str, first: bool) -> Vec<u8> {
    let value = if first {
        let mut pieces = value.splitn(3, '\'');
        let charset = pieces.next().unwrap_or("");
        assert!(charset.eq_ignore_ascii_case("utf-8"), "charset {charset}");
        pieces.nth(1).unwrap_or("")
    } else {
        value
    };
    let mut bytes = Vec::new();
    let raw = value.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = std::str::from_utf8(&raw[i + 1..i + 3]).expect("ASCII hex");
            bytes.push(u8::from_str_radix(hex, 16).expect("%XX hex"));
            i += 3;
        } else {
            bytes.push(raw[i]);
            i += 1;
        }
    }
    bytes
}
