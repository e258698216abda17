//! Check sheets written in each layout, filled, edited in odd ways, re-saved by LibreOffice,
//! and attacked.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hostile;
mod layouts;
mod libreoffice;
mod roundtrip;
mod uno;
mod workbook;
