//! The web application through its router: who may use which route, the API's description,
//! the protections every page has, and the pages and API doing their work.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod api;
mod api_exchange;
mod asvs;
mod connections;
mod desk;
mod editor;
mod evidence;
mod hardening;
mod harness;
mod ledger_import;
mod lifecycle;
mod notifications;
mod pages;
mod people;
mod refusals;
mod security;
mod sheets;
mod uploads;
mod vendor;
