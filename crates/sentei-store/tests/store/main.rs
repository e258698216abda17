//! Tests of sentei-store on real databases: every test runs on a fresh SQLite file and, when
//! `SENTEI_TEST_DATABASE_URL` points at a PostgreSQL server, on a fresh PostgreSQL database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // in tests, a failed expectation is a failed test

mod harness;
mod steps;

mod accounts;
mod audit;
mod audit_owner;
mod deletion;
mod evidence;
mod frozen;
mod ledger;
mod migration;
mod notifications;
mod people;
mod people_audit;
mod records;
mod security;
mod sessions;
mod workflow;
