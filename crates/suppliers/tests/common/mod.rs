//! Fakes shared by the supplier test binaries (each uses only some of them).
#![allow(dead_code)]

pub mod hotelbeds_fake;
