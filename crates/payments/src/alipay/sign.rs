//! Alipay's RSA2 signatures (payments.md §3.2, §3.3, §3.5): the sign content of a parameter
//! set, SHA256withRSA PKCS#1 v1.5 in base64, the raw `…_response` text a response signs, and
//! yuan amounts as Alipay writes them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{PrivateKey, PublicKey};

/// The string Alipay signs: every parameter but `sign` whose key and value are non-empty,
/// sorted by key (byte order), joined as `key=value` with `&`, values not URL-encoded.
pub fn sign_content<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut kept: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(k, v)| !k.is_empty() && !v.is_empty() && *k != "sign")
        .collect();
    kept.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Reads our RSA private key: PKCS#8 or PKCS#1 PEM, or the bare base64 DER Alipay's key tool
/// prints.
pub fn parse_private_key(text: &str) -> Result<SigningKey<Sha256>, String> {
    let text = text.trim();
    let key = if text.starts_with("-----BEGIN") {
        PrivateKey::from_pkcs8_pem(text)
            .map_err(|e| e.to_string())
            .or_else(|_| PrivateKey::from_pkcs1_pem(text).map_err(|e| e.to_string()))
    } else {
        let der = decode_bare(text)?;
        PrivateKey::from_pkcs8_der(&der)
            .map_err(|e| e.to_string())
            .or_else(|_| PrivateKey::from_pkcs1_der(&der).map_err(|e| e.to_string()))
    }
    .map_err(|_| "the app private key is not an RSA key in PKCS#8 or PKCS#1".to_owned())?;
    Ok(SigningKey::new(key))
}

/// Reads Alipay's public key: SPKI or PKCS#1 PEM, or the bare base64 SPKI Alipay's console
/// shows.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey<Sha256>, String> {
    let text = text.trim();
    let key = if text.starts_with("-----BEGIN") {
        PublicKey::from_public_key_pem(text)
            .map_err(|e| e.to_string())
            .or_else(|_| PublicKey::from_pkcs1_pem(text).map_err(|e| e.to_string()))
    } else {
        let der = decode_bare(text)?;
        PublicKey::from_public_key_der(&der)
            .map_err(|e| e.to_string())
            .or_else(|_| PublicKey::from_pkcs1_der(&der).map_err(|e| e.to_string()))
    }
    .map_err(|_| "the Alipay public key is not an RSA public key".to_owned())?;
    Ok(VerifyingKey::new(key))
}

fn decode_bare(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(compact)
        .map_err(|_| "the key is neither PEM nor base64".to_owned())
}

/// `base64(SHA256withRSA(key, content))`.
pub fn sign(key: &SigningKey<Sha256>, content: &str) -> String {
    let signature: Signature = key.sign(content.as_bytes());
    STANDARD.encode(signature.to_vec())
}

/// Whether `sign` (base64) is the key's SHA256withRSA signature of `content`.
pub fn verify(key: &VerifyingKey<Sha256>, content: &str, sign: &str) -> bool {
    let Ok(bytes) = STANDARD.decode(sign.trim()) else {
        return false;
    };
    let Ok(signature) = Signature::try_from(bytes.as_slice()) else {
        return false;
    };
    key.verify(content.as_bytes(), &signature).is_ok()
}

/// The exact raw text of the value of the top-level member `name` of a JSON object, from its
/// first to its last byte, as Alipay signed it (§3.3). `None` when the body is not an object or
/// has no such member.
pub fn extract_member<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let b = body.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_ws(b, i);
        match b.get(i)? {
            b'}' => return None,
            b',' => {
                i += 1;
                continue;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = skip_string(b, i)?;
        let key: String = serde_json::from_str(body.get(i..key_end)?).ok()?;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1);
        let end = skip_value(b, start)?;
        if key == name {
            return body.get(start..end);
        }
        i = end;
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// From the opening quote at `i`, the index just past the closing quote.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// From the first byte of a value at `i`, the index just past it.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while let Some(c) = b.get(j) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Fen as Alipay's yuan string with two decimals: `1` → `"0.01"`, `123456` → `"1234.56"`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A non-negative yuan string with at most two decimals (`"10"`, `"0.1"`, `"1234.56"`) as fen.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 15 || !digits(whole) || frac.len() > 2 || !digits(frac) {
        return None;
    }
    if s.ends_with('.') {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac_fen: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(frac_fen)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Node SDK's test key (`test/fixtures/app-private-key.pem`), for the §3.2 vector.
    const SDK_TEST_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAvpjRtB7IcjsA9LwjZhiK20y3pEoLnEdUASaY1R20eKxhzKC1
Y/GFIVAxTLDS8QddHdY+r4tHAKnQe2+rl6cZ883GgJh200G83WVbsjiED+cHf6+R
rlW2zkZgAR7QwgacWGVSgQTRaOu3TSa3SH2+ZhY/g2yaITvjtqrnbySY/KmFm3G5
kMdJuEHfcqOqHnpUtrAH5qwSB7+ZicPtLLjPTewjeBTl/sJVN39whDHG9tPaZ4B3
hvwyFaXUDc4jHtGQl9Ed+3XYPJQafmmiLJ9eh/WcjhgHYWTEkjyHDK0HuCbNfJ7r
zHs4ZTbnxf/f0KTZHvb7Y03Z7KO/8ZnG1kLD+QIDAQABAoIBAGQXuyEdfWTH6cOc
vfZS8zEhw9tKa3iB2PLVwzNAa1NoK+AbkcbPwntxMsK0pcKgfF078yWbPglyJKN+
TJ3SyoVHznQgHV7qSfX20cXxeiEj0cNTf20PZHZFbQuJlFYgxKCDbWWGEzdHerbQ
mzY9muzfyDELqpHDct2uOOYcUR92ObvmnjH2zNUHYvzMroDLFcJZZXX40VcxVhK9
6Oze9dTm1xAFa+pEiVqtxt6pkGoHgAp9k4Kbr1ysIo1FEmBDFEo55y7CLx05bOL/
/NcwLZPZkEC6LcOa5esFT3aRtpLjmsdxWcYR6QRU8bFW8mQgn/1SSq3DHqHRdOMl
9hzG2rUCgYEA+AmQmJrBnpdM4RNghvSC0c9cPn/UhR2H5L9CoMmphXwhq0CcisHc
netRhi39JbIpAFTXWmRYRiyMHzKiW61KvrwaGXUj90fsLtlVjtqxpMPQifaOrk37
DKAfAtdRmcU27LtvYvCqxytWsyaS5g2pS8rxTHMZ4ena2+9N8VPXm/8CgYEAxLcx
tLVziC93n3eJF1si5Ofp66MPORJVie5/onxORvEjSgqdQfkBcshpM3kf6BcYIhT/
wPenUizs7zLAQVw6TI5ojoFqVDjh5JNNVfcBDUJ1giXNr7PZhJum8ru6BRLSvNPt
zydfqA0XPZGbtE2nD5QjI3jQb32rme12hvqigAcCgYEA5STo+aKW1y2N761YErVX
Gf/Ih1DPA/9JKRFsu2AyhUgtTqmNNT9t0lKwaRaZdLbH3C+FGFP1nTbQaI39olZQ
5C6gqf4nMO64Cnvr5+KwFLh2Ms6d9/fAw2Q14gkLsNSaLk/m0m/mRcQK/8zWD0R1
r7iX/XmkYqoJ7/9/cUB0wv8CgYAZ1OykDEfVlFYjDLFl7cPRR1sCZHE1T2EIMdd0
4Nnumu/FY0tvRGGaTxLxfXBhK9cxcox7LIo+UkPyzTlN2+yT7Qdx3zC1SprvRyCa
r0rmENoZcxllfzqLHV149ong7K3bugC6eTMogD+TCDHoJWJQu2U53T2RxnDoT7SG
2RbJtQKBgDpcl1phYQfGOHDddOXhXpG+h9rKlbvDTDy+KbeBIBaUMTFQV3g3q5Cp
D2TW/C4Pu4xk9Yrt44xdLcuaZ0iyqNL7JmYtaVlZ/5YU9ijV/yRQ07PuHem+08br
awarfVnUiPtuiOwSfYw3//irBNow2h7BvzGx1lbvUI4tXJwTR6ov
-----END RSA PRIVATE KEY-----";

    #[test]
    fn request_sign_content_and_signature_match_the_sdk_vector() {
        let biz = r#"{"out_trade_no":"T123"}"#;
        let params = [
            ("app_id", "2021000122671080"),
            ("method", "alipay.trade.query"),
            ("format", "JSON"),
            ("charset", "utf-8"),
            ("sign_type", "RSA2"),
            ("timestamp", "2024-05-13 17:49:20"),
            ("version", "1.0"),
            ("notify_url", ""),
            ("biz_content", biz),
        ];
        let content = sign_content(params);
        assert_eq!(
            content,
            r#"app_id=2021000122671080&biz_content={"out_trade_no":"T123"}&charset=utf-8&format=JSON&method=alipay.trade.query&sign_type=RSA2&timestamp=2024-05-13 17:49:20&version=1.0"#
        );
        // payments.md's "[derived]" signature (`Eq3jPQ…`) does not come out of this key;
        // this one does, and `openssl dgst -sha256 -sign` over the same bytes agrees.
        let key = parse_private_key(SDK_TEST_KEY).unwrap();
        assert_eq!(
            sign(&key, &content),
            "DkVOgJMOn0r3kqfEGbEj6cC+IveqeL/bwJwge8Bg6Sgmdr32sEPG9Ct+0i8IpXNZZtmy58XTvMUBNgR4Ajm+XgL+rfwK1xsZk35VpTUqvT2axA1jShBFiVwTIKi8Fk8bKD+FOzCG98dval+XVGbkMtvDoBqMzNPZhqYOvDB7DPz2/gq8XW0DCmh9NA/OKjWRC/dqxTU/o5fy6Op0b6T0VneYYPh1o20we70/ViTMV4fK7SW3DNfR3pFx/84BmpCg42O0qExZ0Rh3y2rUd1gl5a/6e0C7rmzt3XsoUwDJuJiedABN5SupvaZ4W6O5NNINGnnqTy6VXC0p82mOppd7gQ=="
        );
    }

    #[test]
    fn sign_content_drops_sign_and_empty_values_and_sorts_by_bytes() {
        let content = sign_content([
            ("sign", "abc"),
            ("b", "2"),
            ("a_b", "x y&z"),
            ("aB", "1"),
            ("empty", ""),
        ]);
        assert_eq!(content, "aB=1&a_b=x y&z&b=2");
    }

    #[test]
    fn the_official_notification_vector_verifies() {
        let key = parse_public_key("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB").unwrap();
        let content = r#"app_id=2019073166072302&auth_app_id=2019073166072302&buyer_id=2088102534368455&buyer_logon_id=xud***@126.com&buyer_pay_amount=0.10&charset=utf-8&fund_bill_list=[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]&gmt_create=2019-08-15 15:56:22&gmt_payment=2019-08-15 15:56:24&invoice_amount=0.10&notify_id=2019081500222155624068450559358070&notify_time=2019-08-15 15:56:25&notify_type=trade_status_sync&out_trade_no=20190815155618536-564-57&point_amount=0.00&receipt_amount=0.10&seller_email=z97-yuquerevenue@service.aliyun.com&seller_id=2088531891668739&subject=语雀空间 500人规模&total_amount=0.10&trade_no=2019081522001468450512505578&trade_status=TRADE_SUCCESS&version=1.0"#;
        let sig = "QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==";
        assert!(verify(&key, content, sig));
        assert!(!verify(&key, &format!("{content}&sign_type=RSA2"), sig));
    }

    #[test]
    fn the_response_member_is_extracted_as_raw_text() {
        let body =
            r#"{ "x_response" : {"code":"10000","s":"a}\"{b","n":[1,{"c":2}]} ,"sign":"zz"}"#;
        assert_eq!(
            extract_member(body, "x_response"),
            Some(r#"{"code":"10000","s":"a}\"{b","n":[1,{"c":2}]}"#)
        );
        assert_eq!(extract_member(body, "sign"), Some(r#""zz""#));
        assert_eq!(extract_member(body, "code"), None);
        assert_eq!(extract_member("[1]", "x"), None);
        assert_eq!(extract_member(r#"{"a":{"#, "b"), None);
    }

    #[test]
    fn yuan_amounts_are_exact() {
        assert_eq!(format_yuan(1), "0.01");
        assert_eq!(format_yuan(123456), "1234.56");
        assert_eq!(format_yuan(100), "1.00");
        assert_eq!(format_yuan(0), "0.00");
        assert_eq!(parse_yuan("0.01"), Some(1));
        assert_eq!(parse_yuan("1234.56"), Some(123456));
        assert_eq!(parse_yuan("0.1"), Some(10));
        assert_eq!(parse_yuan("10"), Some(1000));
        for bad in ["", ".5", "1.", "1.234", "-1", "1e3", " 1", "0x1"] {
            assert_eq!(parse_yuan(bad), None, "{bad}");
        }
    }
}
