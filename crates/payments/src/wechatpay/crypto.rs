//! The cryptography of WeChat Pay API v3 (payments.md §4.2, §4.3, §4.5): the strings that are
//! signed, SHA256withRSA signing and verification, and the AEAD_AES_256_GCM decryption of
//! notification resources.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::{PrivateKey, PublicKey};
use sha2::Sha256;

/// The `Authorization` scheme, also the only `Wechatpay-Signature-Type` accepted.
pub const SIGNATURE_SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// The string a request signature covers (§4.2): `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`, where
/// `URL` is the path with its `?query`, and `BODY` the exact JSON sent ("" for GET).
pub fn request_message(method: &str, url: &str, timestamp: i64, nonce: &str, body: &str) -> String {
    format!("{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The bytes a response or notification signature covers (§4.3): `TIMESTAMP\nNONCE\nBODY\n`,
/// over the raw body.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
    m.extend_from_slice(timestamp.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(nonce.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// The string a JSAPI / mini-program `paySign` covers (payments.md §4.4, WX-J
/// `JsapiServiceExtension`): `appId\ntimeStamp\nnonceStr\npackage\n`, every line ended, the last
/// one included, where `package` is `prepay_id=<id>`. `signType` is not part of it.
pub fn jsapi_message(app_id: &str, time_stamp: &str, nonce_str: &str, package: &str) -> String {
    format!("{app_id}\n{time_stamp}\n{nonce_str}\n{package}\n")
}

/// `base64(SHA256withRSA(key, message))`.
pub fn sign(key: &PrivateKey, message: &[u8]) -> Result<String, rsa::Error> {
    Ok(B64.encode(key.pkcs1v15_sign::<Sha256>(message)?))
}

/// True when `signature_b64` is `key`'s SHA256withRSA signature of `message`.
pub fn verify(key: &PublicKey, message: &[u8], signature_b64: &str) -> bool {
    match B64.decode(signature_b64.trim()) {
        Ok(sig) => key.pkcs1v15_verify::<Sha256>(message, &sig).is_ok(),
        Err(_) => false,
    }
}

/// The `Authorization` header value for a signed request.
pub fn authorization(
    mch_id: &str,
    nonce: &str,
    timestamp: i64,
    serial_no: &str,
    signature: &str,
) -> String {
    format!(
        "{SIGNATURE_SCHEME} mchid=\"{mch_id}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\",signature=\"{signature}\""
    )
}

/// A random nonce of 32 characters from `[0-9a-zA-Z]`, as the SDK makes them.
pub fn nonce() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    (0..32)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Why a resource could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    #[error("the APIv3 key must be 32 bytes (16 accepted for the SDK's test vectors)")]
    KeyLength,
    #[error("the nonce must be 12 bytes")]
    NonceLength,
    #[error("the ciphertext is not base64")]
    Base64,
    #[error("the ciphertext does not authenticate")]
    Tag,
}

/// Decrypts a notification `resource` (§4.5): AES-GCM with the APIv3 key as-is, the nonce's
/// bytes, `associated_data` as AAD, and a base64 ciphertext whose last 16 bytes are the tag.
/// Production keys are 32 bytes (AES-256); 16-byte keys (AES-128) are taken too because the
/// SDK's published vectors use them.
pub fn decrypt_resource(
    api_v3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Result<Vec<u8>, DecryptError> {
    let nonce = nonce.as_bytes();
    if nonce.len() != 12 {
        return Err(DecryptError::NonceLength);
    }
    let nonce = Nonce::try_from(nonce).map_err(|_| DecryptError::NonceLength)?;
    let msg = B64
        .decode(ciphertext_b64)
        .map_err(|_| DecryptError::Base64)?;
    let payload = Payload {
        msg: &msg,
        aad: associated_data.as_bytes(),
    };
    match api_v3_key.len() {
        32 => Aes256Gcm::new_from_slice(api_v3_key)
            .map_err(|_| DecryptError::KeyLength)?
            .decrypt(&nonce, payload)
            .map_err(|_| DecryptError::Tag),
        16 => Aes128Gcm::new_from_slice(api_v3_key)
            .map_err(|_| DecryptError::KeyLength)?
            .decrypt(&nonce, payload)
            .map_err(|_| DecryptError::Tag),
        _ => Err(DecryptError::KeyLength),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::DecodePrivateKey;

    /// WX-GO `utils/sign_test.go`'s key, relabelled `PRIVATE KEY` (payments.md §4.2).
    const SDK_TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDZUJN33V+dSfvd
fL0Mu+39XrZNXFFMQSy1V15FpncHeV47SmV0TzTqZc7hHB0ddqAdDi8Z5k3TKqb7
6sOwYr5TcAfuR6PIPaleyE0/0KrljBum2Isa2Nyq7Dgc3ElBQ6YN4l/a+DpvKaz1
FSKmKrhLNskqokWVSlu4g8OlKlbPXQ9ibII14MZRQrrkTmHYHzfi7GXXM0thAKuR
0HNvyhTHBh4/lrYM3GaMvmWwkwvsMavnOex6+eioZHBOb1/EIZ/LzC6zuHArPpyW
3daGaZ1rtQB1vVzTyERAVVFsXXgBHvfFud3w3ShsJYk8JvMwK2RpJ5/gV0QSARcm
LDRUAlPzAgMBAAECggEBAMc7rDeUaXiWv6bMGbZ3BTXpg1FhdddnWUnYE8HfX/km
OFI7XtBHXcgYFpcjYz4D5787pcsk7ezPidAj58zqenuclmjKnUmT3pfbI5eCA2v4
C9HnbYDrmUPK1ZcADtka4D6ScDccpNYNa1g2TFHzkIrEa6H+q7S3O2fqxY/DRVtN
0JIXalBb8daaqL5QVzSmM2BMVnHy+YITJWIkP2a3pKs9C0W65JGDsnG0wVrHinHF
+cnhFZIbaPEI//DAFMc9NkrWOKVRTEgcCUxCFaHOZVNxDWZD7A2ZfJB2rK6eg//y
gEiFDR2h6mTaDowMB4YF2n2dsIO4/dCG8vPHI20jn4ECgYEA/ZGu6lEMlO0XZnam
AZGtiNgLcCfM/C2ZERZE7QTRPZH1WdK92Al9ndldsswFw4baJrJLCmghjF/iG4zi
hhBvLnOLksnZUfjdumxoHDWXo2QBWbI5QsWIE7AuTiWgWj1I7X4fCXSQf6i+M/y2
6TogQ7d0ANpZFyOkTNMn/tiJvLECgYEA22XqlamG/yfAGWery5KNH2DGlTIyd6xJ
WtJ9j3jU99lZ0bCQ5xhiBbU9ImxCi3zgTsoqLWgA/p00HhNFNoUcTl9ofc0G3zwT
D1y0ZzcnVKxGJdZ6ohW52V0hJStAigtjYAsUgjm7//FH7PiQDBDP1Wa6xSRkDQU/
aSbQxvEE8+MCgYEA3bb8krW7opyM0XL9RHH0oqsFlVO30Oit5lrqebS0oHl3Zsr2
ZGgoBlWBsEzk3UqUhTFwm/DhJLTSJ/TQPRkxnhQ5/mewNhS9C7yua7wQkzVmWN+V
YeUGTvDGDF6qDz12/vJAgSwDDRym8x4NcXD5tTw7mmNRcwIfL22SkysThIECgYAV
BgccoEoXWS/HP2/u6fQr9ZIR6eV8Ij5FPbZacTG3LlS1Cz5XZra95UgebFFUHHtC
EY1JHJY7z8SWvTH8r3Su7eWNaIAoFBGffzqqSVazfm6aYZsOvRY6BfqPHT3p/H1h
Tq6AbBffxrcltgvXnCTORjHPglU0CjSxVs7awW3AEQKBgB5WtaC8VLROM7rkfVIq
+RXqE5vtJfa3e3N7W3RqxKp4zHFAPfr82FK5CX2bppEaxY7SEZVvVInKDc5gKdG/
jWNRBmvvftZhY59PILHO2X5vO4FXh7suEjy6VIh0gsnK36mmRboYIBGsNuDHjXLe
BDa+8mDLkWu5nHEhOxy2JJZl
-----END PRIVATE KEY-----
";

    #[test]
    fn request_messages_match_the_sdk_vectors() {
        assert_eq!(
            request_message("GET", "/v3/certificates", 1624523846, "A1B2C3D4E5F6G7", ""),
            "GET\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\n\n"
        );
        assert_eq!(
            request_message(
                "POST",
                "/v3/certificates",
                1624523846,
                "A1B2C3D4E5F6G7",
                "Hello World!"
            ),
            "POST\n/v3/certificates\n1624523846\nA1B2C3D4E5F6G7\nHello World!\n"
        );
        assert_eq!(response_message("1", "n", b""), b"1\nn\n\n".to_vec());
        assert_eq!(response_message("1", "n", b"{}"), b"1\nn\n{}\n".to_vec());
    }

    #[test]
    fn jsapi_message_is_four_ended_lines_without_the_sign_type() {
        assert_eq!(
            jsapi_message(
                "wx8888888888888888",
                "1414561699",
                "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                "prepay_id=wx201410272009395522657a690389285100"
            ),
            "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n"
        );
        // Signed with the SDK key, it verifies over exactly that string and nothing near it.
        let key = PrivateKey::from_pkcs8_pem(SDK_TEST_KEY).unwrap();
        let message = jsapi_message("wxa", "1", "n", "prepay_id=wx1");
        let sig = sign(&key, message.as_bytes()).unwrap();
        let public = key.to_public_key();
        assert!(verify(&public, b"wxa\n1\nn\nprepay_id=wx1\n", &sig));
        assert!(!verify(&public, b"wxa\n1\nn\nprepay_id=wx1", &sig));
        assert!(!verify(&public, b"wxa\n1\nn\nprepay_id=wx1\nRSA\n", &sig));
        assert!(!verify(&public, b"wxa\n1\nn\nwx1\n", &sig));
    }

    #[test]
    fn sha256_with_rsa_matches_the_sdk_vector_and_verifies() {
        let key = PrivateKey::from_pkcs8_pem(SDK_TEST_KEY).unwrap();
        let sig = sign(&key, b"source").unwrap();
        assert_eq!(
            sig,
            "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg=="
        );
        let public = key.to_public_key();
        assert!(verify(&public, b"source", &sig));
        assert!(!verify(&public, b"sourcE", &sig));
        assert!(!verify(&public, b"source", "not base64!"));
    }

    #[test]
    fn decrypts_the_sdk_vector_and_refuses_tampering() {
        let plain = decrypt_resource(
            b"testAPIv3Key0000",
            "wCq51qZv4Yfg",
            "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8",
            "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC",
        )
        .unwrap();
        assert_eq!(plain, b"Hello World");
        assert_eq!(
            decrypt_resource(
                b"testAPIv3Key0000",
                "wCq51qZv4Yfg",
                "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR9",
                "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC",
            ),
            Err(DecryptError::Tag)
        );
        assert_eq!(
            decrypt_resource(b"short", "wCq51qZv4Yfg", "", "AAAA"),
            Err(DecryptError::KeyLength)
        );
        assert_eq!(
            decrypt_resource(b"testAPIv3Key0000", "short", "", "AAAA"),
            Err(DecryptError::NonceLength)
        );
    }

    #[test]
    fn nonces_are_32_alphanumerics() {
        let n = nonce();
        assert_eq!(n.len(), 32);
        assert!(n.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(n, nonce());
    }
}
